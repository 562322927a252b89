import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../auth/access.service';
import { hasRole, Principal } from '../auth/principal';
import { Page } from '../common/pagination';
import type { WishPhotoViewer } from '../media/photo-access';
import { StatusPageQuery, WishListQuery } from './dto/wish.dto';
import { toEventView, WishEventView, WishView } from './dto/wish.view';
import { WishReadRepository } from './wish-read.repository';
import { VISIBLE_TO_MEMBERS, WishRelations } from './wish-relations';
import { WishErrors } from './wish.errors';

/**
 * The read use cases: the wish wall, my wishes, my claims, one wish and its timeline. Missing and
 * "not yours" both answer 404, so ids cannot be probed.
 */
@Injectable()
export class WishQueries {
  constructor(
    private readonly wishes: WishReadRepository,
    private readonly relations: WishRelations,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async get(principal: Principal, id: number): Promise<WishView> {
    const wish = await this.wishes.requireById(id);
    const relation = await this.relations.relationTo(principal, wish);
    if (!this.relations.canSee(relation, wish)) throw WishErrors.WISH_NOT_FOUND.error();
    const rights = this.relations.rights(relation, wish);
    // Who looked at a resident's phone is audited (PIPL), whether an office or the member holding the claim.
    if (rights.contact && rights.contact.phone) {
      const actor = { id: principal.id, role: relation.admin ? (relation.adminRole ?? 'community_admin') : 'member' };
      await this.audit.record(null, { actor, origin: principal.origin, action: 'wish.view_contact', target: { type: 'wish', id: wish.id, regionPath: wish.regionPath } });
    }
    return this.relations.viewWith(principal, wish, relation, rights);
  }

  /**
   * How the caller stands to a wish, for the photos attached to it: the same rules as reading the
   * wish; offices in scope also see photos the content check has not passed. (Registered with media.)
   */
  async photoViewer(principal: Principal, wishId: number): Promise<WishPhotoViewer> {
    const wish = await this.wishes.findById(wishId);
    if (!wish) return { see: false, moderate: false };
    const relation = await this.relations.relationTo(principal, wish);
    return { see: this.relations.canSee(relation, wish), moderate: relation.admin };
  }

  async events(principal: Principal, id: number): Promise<WishEventView[]> {
    const wish = await this.wishes.requireById(id);
    const relation = await this.relations.relationTo(principal, wish);
    if (!this.relations.canSee(relation, wish)) throw WishErrors.WISH_NOT_FOUND.error();
    return (await this.wishes.events(id)).map((event) => toEventView(event, relation.admin));
  }

  async mine(principal: Principal, query: StatusPageQuery): Promise<Page<WishView>> {
    const rows = await this.wishes.list({ residentId: principal.id, statuses: query.status ? [query.status] : undefined, cursor: query.cursor, limit: query.limit });
    return this.relations.page(principal, rows, query.limit, { contact: false, claimer: true });
  }

  async claims(principal: Principal, query: StatusPageQuery): Promise<Page<WishView>> {
    const rows = await this.wishes.list({ claimerId: principal.id, statuses: query.status ? [query.status] : undefined, cursor: query.cursor, limit: query.limit });
    return this.relations.page(principal, rows, query.limit, { contact: false, claimer: true });
  }

  /**
   * The wish wall. Members see the communities where they are registered (open wishes by default);
   * offices see their whole subtree in any status. Names are masked and no contact is shown.
   */
  async wall(principal: Principal, query: WishListQuery): Promise<Page<WishView>> {
    const adminPaths = await this.access.adminRegionPaths(principal);
    if (adminPaths.length > 0) {
      if (query.communityId) {
        const path = await this.access.pathOf(query.communityId);
        if (!path || !adminPaths.some((scope) => path.startsWith(scope))) return { items: [], nextCursor: null };
      }
      const rows = await this.wishes.list({
        pathPrefixes: query.communityId ? undefined : adminPaths,
        communityIds: query.communityId ? [query.communityId] : undefined,
        statuses: query.status ? [query.status] : undefined,
        category: query.category,
        cursor: query.cursor,
        limit: query.limit,
      });
      return this.relations.page(principal, rows, query.limit, { contact: false, claimer: true }, true);
    }
    if (!hasRole(principal, 'member')) throw WishErrors.MEMBER_NOT_REGISTERED.error();
    const registered = await this.relations.memberCommunities(principal);
    if (query.communityId && !registered.includes(query.communityId)) throw WishErrors.MEMBER_NOT_REGISTERED.error();
    const status = query.status ?? 'open';
    if (!VISIBLE_TO_MEMBERS.includes(status)) return { items: [], nextCursor: null };
    const rows = await this.wishes.list({
      communityIds: query.communityId ? [query.communityId] : registered,
      statuses: [status],
      category: query.category,
      cursor: query.cursor,
      limit: query.limit,
    });
    return this.relations.page(principal, rows, query.limit, { contact: false, claimer: false });
  }
}
