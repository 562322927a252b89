import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../auth/access.service';
import { Principal, requestTag } from '../auth/principal';
import { FieldCipher } from '../common/crypto/field-cipher';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Clock } from '../common/time/clock';
import { isUniqueViolation } from '../database/driver-errors';
import { rawQuery } from '../database/raw-query';
import { TransactionRunner } from '../database/transaction-runner';
import { RegionsService } from '../regions/regions.service';
import { UnitsService } from '../units/units.service';
import { UsersService } from '../users/users.service';
import { RegistrationBody, RegistrationListQuery, RegistrationView } from './dto/registration.dto';
import { MemberRegistration } from './member-registration.entity';
import { MemberErrors } from './member.errors';

/** 双报到: members register with communities; community offices decide. */
@Injectable()
export class RegistrationsService {
  private readonly logger = new Logger(RegistrationsService.name);

  constructor(
    @InjectRepository(MemberRegistration) private readonly registrations: Repository<MemberRegistration>,
    private readonly regions: RegionsService,
    private readonly units: UnitsService,
    private readonly users: UsersService,
    private readonly access: AccessService,
    private readonly cipher: FieldCipher,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async register(principal: Principal, body: RegistrationBody): Promise<RegistrationView> {
    await this.regions.requireCommunity(body.communityId);
    await this.units.require(body.unitId);
    const id = await this.tx.run(async (m) => {
      try {
        const saved = await m.getRepository(MemberRegistration).save(
          m.getRepository(MemberRegistration).create({
            userId: principal.id,
            unitId: body.unitId,
            communityId: body.communityId,
            name: body.name,
            phoneCipher: this.cipher.encrypt(body.phone),
            skills: body.skills ?? [],
            status: 'pending',
            openSlot: 1,
            decisionReason: null,
            decidedBy: null,
            decidedAt: null,
            createdAt: this.clock.now(),
          }),
        );
        return saved.id;
      } catch (error) {
        if (isUniqueViolation(error)) throw MemberErrors.REGISTRATION_EXISTS.error();
        throw error;
      }
    });
    return this.view(id);
  }

  async mine(principal: Principal): Promise<RegistrationView[]> {
    const rows = await this.baseQuery().where('r.user_id = :userId', { userId: principal.id }).orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').getMany();
    return rows.map((row) => this.toView(row));
  }

  /** Registrations in the caller's scope: communities under their regions, or their units' members. */
  async listForAdmin(principal: Principal, query: RegistrationListQuery): Promise<Page<RegistrationView>> {
    const paths = await this.access.adminRegionPaths(principal);
    const unitIds = this.access.adminUnitIds(principal);
    if (paths.length === 0 && unitIds.length === 0) return { items: [], nextCursor: null };
    const qb = this.baseQuery().where(
      new Brackets((scope) => {
        paths.forEach((path, i) => scope.orWhere(`community.path LIKE :path${i}`, { [`path${i}`]: `${path}%` }));
        if (unitIds.length > 0) scope.orWhere('r.unit_id IN (:...unitIds)', { unitIds });
      }),
    );
    if (query.communityId) qb.andWhere('r.community_id = :communityId', { communityId: query.communityId });
    if (query.unitId) qb.andWhere('r.unit_id = :unitId', { unitId: query.unitId });
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    const cursor = decodeCursor(query.cursor);
    if (cursor) {
      qb.andWhere('(r.created_at < :at OR (r.created_at = :at AND r.id < :id))', { at: cursor.at, id: cursor.id });
    }
    const rows = await qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').take(query.limit + 1).getMany();
    return toPage(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }), (r) => this.toView(r));
  }

  async approve(principal: Principal, id: number): Promise<RegistrationView> {
    const registration = await this.requireDecidable(principal, id);
    await this.tx.run(async (m) => {
      await this.decide(m.getRepository(MemberRegistration), principal, id, { status: 'approved', openSlot: 1, decisionReason: null });
      await this.users.addGrants(m, registration.userId, [{ role: 'member' }]);
      await this.audit.recordInCommunity(m, principal, registration.communityId, { action: 'registration.approve', target: { type: 'registration', id } });
    });
    this.logger.log({ registrationId: id, communityId: registration.communityId, by: principal.id, ...requestTag(principal) }, 'registration approved');
    return this.view(id);
  }

  async reject(principal: Principal, id: number, reason: string): Promise<RegistrationView> {
    const registration = await this.requireDecidable(principal, id);
    await this.tx.run(async (m) => {
      await this.decide(m.getRepository(MemberRegistration), principal, id, { status: 'rejected', openSlot: null, decisionReason: reason });
      await this.audit.recordInCommunity(m, principal, registration.communityId, { action: 'registration.reject', target: { type: 'registration', id }, detail: { reason } });
    });
    this.logger.log({ registrationId: id, communityId: registration.communityId, by: principal.id, ...requestTag(principal) }, 'registration rejected');
    return this.view(id);
  }

  /** Communities where this user may act as a member (approved registrations). */
  /*
   * These two run on every wall, detail and claim request. Raw SQL because building the query and
   * hydrating the entity cost more than the database spends answering (issue #7 profile:
   * approvedCommunityIds alone was 2.6 % of the service's busy time on the wall).
   */
  async approvedCommunityIds(userId: number): Promise<number[]> {
    const rows = await rawQuery<{ communityId: number }>(this.registrations.manager, "SELECT community_id AS communityId FROM member_registration WHERE user_id = :userId AND status = 'approved'", { userId });
    return rows.map((row) => Number(row.communityId));
  }

  /** The unit through which a member serves a community (双报到), if their registration there is approved. */
  async approvedUnitId(userId: number, communityId: number): Promise<number | null> {
    const [row] = await rawQuery<{ unitId: number }>(
      this.registrations.manager,
      "SELECT unit_id AS unitId FROM member_registration WHERE user_id = :userId AND community_id = :communityId AND status = 'approved' LIMIT 1",
      { userId, communityId },
    );
    return row ? Number(row.unitId) : null;
  }

  /** pending → decided as one conditional update: of two offices deciding at once, one wins. */
  private async decide(
    repo: Repository<MemberRegistration>,
    principal: Principal,
    id: number,
    change: Pick<MemberRegistration, 'status' | 'openSlot' | 'decisionReason'>,
  ): Promise<void> {
    const result = await repo.update({ id, status: 'pending' }, { ...change, decidedBy: principal.id, decidedAt: this.clock.now() });
    if (!result.affected) throw MemberErrors.REGISTRATION_NOT_PENDING.error();
  }

  /** Only the office of the registration's community (or a region above it) decides; others see 404. */
  private async requireDecidable(principal: Principal, id: number): Promise<MemberRegistration> {
    const registration = await this.registrations.findOneBy({ id });
    if (!registration || !(await this.access.administersRegion(principal, registration.communityId))) {
      throw MemberErrors.REGISTRATION_NOT_FOUND.error();
    }
    return registration;
  }

  private async view(id: number): Promise<RegistrationView> {
    const row = await this.baseQuery().where('r.id = :id', { id }).getOneOrFail();
    return this.toView(row);
  }

  private baseQuery() {
    return this.registrations.createQueryBuilder('r').innerJoinAndSelect('r.unit', 'unit').innerJoinAndSelect('r.community', 'community');
  }

  private toView(row: MemberRegistration): RegistrationView {
    return {
      id: row.id,
      userId: row.userId,
      unitId: row.unitId,
      unitName: row.unit?.name ?? '',
      communityId: row.communityId,
      communityName: row.community?.name ?? '',
      name: row.name,
      phone: this.cipher.decrypt(row.phoneCipher),
      skills: row.skills,
      status: row.status,
      decisionReason: row.decisionReason,
      createdAt: row.createdAt.toISOString(),
      decidedAt: row.decidedAt?.toISOString() ?? null,
    };
  }
}
