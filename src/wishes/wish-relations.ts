import { Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service';
import { claimsOf, hasRole, Principal } from '../auth/principal';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Page, toPage } from '../common/pagination';
import { UploadsService } from '../media/uploads.service';
import { RegistrationsService } from '../members/registrations.service';
import { toWishView, WishView, WishViewerRights } from './dto/wish.view';
import type { WishCard, WishRecord } from './wish-read.repository';
import type { WishStatus } from './wish-state';

/** Statuses a registered member sees on the wall and in details (not pending, rejected or cancelled ones). */
export const VISIBLE_TO_MEMBERS: readonly WishStatus[] = ['open', 'claimed', 'fulfilled', 'completed'];
/** Statuses in which the member holding the claim sees the resident's contact. */
const CLAIM_HELD: readonly WishStatus[] = ['claimed', 'fulfilled'];

/** How the caller stands to one wish. */
export interface Relation {
  resident: boolean;
  claimer: boolean;
  registeredMember: boolean;
  admin: boolean;
  unitAdmin: boolean;
  /** The admin role that covers the wish (for the event log). */
  adminRole?: string;
}

/**
 * Who the caller is to a wish, what that lets them see, and the wish as they may see it: shared by
 * the reads (WishQueries) and the actions (WishService, WishSubmissions), so both apply one set of rules.
 */
@Injectable()
export class WishRelations {
  constructor(
    private readonly access: AccessService,
    private readonly registrations: RegistrationsService,
    private readonly photos: UploadsService,
    private readonly cipher: FieldCipher,
  ) {}

  /** The communities where the caller is an approved member (none without the member role, and then no query). */
  async memberCommunities(principal: Principal): Promise<number[]> {
    return hasRole(principal, 'member') ? this.registrations.approvedCommunityIds(principal.id) : [];
  }

  /**
   * `registeredIn`: the caller's member communities when the use case already read them, so an
   * action that answers with the wish does not read them twice.
   */
  async relationTo(principal: Principal, wish: WishRecord, registeredIn?: readonly number[]): Promise<Relation> {
    const adminRole = await this.adminRoleFor(principal, wish.regionPath);
    const communities = registeredIn ?? (await this.memberCommunities(principal));
    return {
      resident: wish.residentId === principal.id,
      claimer: wish.claimerId === principal.id,
      registeredMember: communities.includes(wish.communityId),
      admin: adminRole !== undefined,
      unitAdmin: wish.claimerUnitId !== null && this.access.adminUnitIds(principal).includes(wish.claimerUnitId),
      adminRole,
    };
  }

  async adminRoleFor(principal: Principal, path: string): Promise<string | undefined> {
    for (const claim of [...claimsOf(principal, 'community_admin'), ...claimsOf(principal, 'region_admin')]) {
      const scope = claim.regionId ? await this.access.pathOf(claim.regionId) : undefined;
      if (scope && path.startsWith(scope)) return claim.role;
    }
    return undefined;
  }

  canSee(relation: Relation, wish: WishRecord): boolean {
    return relation.resident || relation.claimer || relation.admin || relation.unitAdmin || (relation.registeredMember && VISIBLE_TO_MEMBERS.includes(wish.status));
  }

  /** The resident's contact only for offices in scope and the member holding the claim; the claimer for those involved. */
  rights(relation: Relation, wish: WishRecord): WishViewerRights {
    const contact = relation.admin || (relation.claimer && CLAIM_HELD.includes(wish.status));
    return {
      contact: contact ? { phone: this.cipher.decryptNullable(wish.residentPhoneCipher), address: wish.residentAddress } : false,
      claimer: relation.resident || relation.claimer || relation.admin || relation.unitAdmin,
    };
  }

  /** The wish as this caller may see it. */
  async view(principal: Principal, wish: WishRecord, registeredIn?: readonly number[]): Promise<WishView> {
    const relation = await this.relationTo(principal, wish, registeredIn);
    return this.viewWith(principal, wish, relation);
  }

  async viewWith(principal: Principal, wish: WishRecord, relation: Relation, rights = this.rights(relation, wish)): Promise<WishView> {
    return toWishView(wish, rights, await this.visiblePhotos(principal, [wish], relation.admin));
  }

  /** A list page; lists never carry contact. `moderator`: an office in scope of every row, which also sees photos the content check has not passed. */
  async page(principal: Principal, rows: WishCard[], limit: number, rights: WishViewerRights, moderator = false): Promise<Page<WishView>> {
    const visible = await this.visiblePhotos(principal, rows, moderator);
    return toPage(rows, limit, (w) => ({ at: w.createdAt, id: w.id }), (w) => toWishView(w, rights, visible));
  }

  private visiblePhotos(principal: Principal, wishes: WishCard[], moderator: boolean): Promise<Set<string>> {
    return this.photos.visibleIds(principal.id, wishes.flatMap((w) => [...w.photoIds, ...w.fulfilmentPhotoIds]), moderator);
  }
}
