import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Clock } from '../common/time/clock';
import { isUniqueViolation } from '../database/driver-errors';
import { TransactionRunner } from '../database/transaction-runner';
import { Region } from '../regions/region.entity';
import { RegionErrors } from '../regions/region.errors';
import { MeView, UpdateMeBody } from './dto/me.dto';
import type { RoleClaim } from './roles';
import { RoleGrant, scopeKeyOf, User } from './user.entity';
import { UserErrors } from './user.errors';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(RoleGrant) private readonly grants: Repository<RoleGrant>,
    private readonly tx: TransactionRunner,
    private readonly cipher: FieldCipher,
    private readonly clock: Clock,
  ) {}

  async claimsOf(userId: number, manager?: EntityManager): Promise<RoleClaim[]> {
    const repo = manager?.getRepository(RoleGrant) ?? this.grants;
    const rows = await repo.find({ where: { userId }, order: { id: 'ASC' } });
    return rows.map(toClaim);
  }

  /**
   * Finds the user with this openid or creates them (as a resident). Two first logins racing for
   * the same openid are settled by the unique key: the loser reads the winner's row.
   */
  async upsertByOpenid(openid: string, fields: { unionid?: string | null; sessionKey?: string; name?: string } = {}): Promise<User> {
    const now = this.clock.now();
    const sessionKeyCipher = fields.sessionKey ? this.cipher.encrypt(fields.sessionKey) : undefined;
    const existing = await this.users.findOneBy({ openid });
    if (existing) {
      if (sessionKeyCipher || fields.unionid) {
        await this.tx.run((m) =>
          m.getRepository(User).update(
            { id: existing.id },
            { ...(sessionKeyCipher ? { sessionKeyCipher } : {}), ...(fields.unionid ? { unionid: fields.unionid } : {}), updatedAt: now },
          ),
        );
      }
      return existing;
    }
    try {
      return await this.tx.run(async (m) => {
        const user = await m.getRepository(User).save(
          m.getRepository(User).create({
            openid,
            unionid: fields.unionid ?? null,
            sessionKeyCipher: sessionKeyCipher ?? null,
            name: fields.name ?? null,
            createdAt: now,
            updatedAt: now,
          }),
        );
        await this.addGrants(m, user.id, [{ role: 'resident' }]);
        return user;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.users.findOneByOrFail({ openid });
    }
  }

  /** Adds the grants the user does not hold yet (never removes any). Scopes must be checked by the caller. */
  async addGrants(manager: EntityManager, userId: number, claims: RoleClaim[]): Promise<void> {
    const now = this.clock.now();
    const values = claims.map((claim) => ({
      userId,
      role: claim.role,
      regionId: claim.regionId ?? null,
      unitId: claim.unitId ?? null,
      scopeKey: scopeKeyOf(claim),
      createdAt: now,
    }));
    if (values.length === 0) return;
    await manager.createQueryBuilder().insert().into(RoleGrant).values(values).orIgnore().execute();
  }

  async me(principal: Principal): Promise<MeView> {
    const user = await this.users.findOne({ where: { id: principal.id }, relations: { community: true } });
    if (!user) throw UserErrors.USER_NOT_FOUND.error();
    return {
      id: user.id,
      name: user.name,
      roles: await this.claimsOf(user.id),
      phone: this.cipher.decryptNullable(user.phoneCipher),
      address: user.address,
      communityId: user.communityId,
      communityName: user.community?.name ?? null,
      wechatBound: user.openid !== null,
      username: user.username,
    };
  }

  async updateMe(principal: Principal, body: UpdateMeBody): Promise<MeView> {
    await this.tx.run(async (m) => {
      if (body.communityId !== undefined) {
        const community = await m.getRepository(Region).findOneBy({ id: body.communityId });
        if (!community) throw RegionErrors.REGION_NOT_FOUND.error();
        if (community.level !== 'community') throw RegionErrors.REGION_NOT_A_COMMUNITY.error();
      }
      const result = await m.getRepository(User).update(
        { id: principal.id },
        {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.address !== undefined ? { address: body.address } : {}),
          ...(body.communityId !== undefined ? { communityId: body.communityId } : {}),
          ...(body.phone !== undefined ? { phoneCipher: this.cipher.encrypt(body.phone) } : {}),
          updatedAt: this.clock.now(),
        },
      );
      if (!result.affected) throw UserErrors.USER_NOT_FOUND.error();
    });
    return this.me(principal);
  }

  async setPhone(userId: number, phone: string): Promise<void> {
    await this.tx.run((m) => m.getRepository(User).update({ id: userId }, { phoneCipher: this.cipher.encrypt(phone), updatedAt: this.clock.now() }));
  }
}

export function toClaim(grant: Pick<RoleGrant, 'role' | 'regionId' | 'unitId'>): RoleClaim {
  return {
    role: grant.role,
    ...(grant.regionId ? { regionId: grant.regionId } : {}),
    ...(grant.unitId ? { unitId: grant.unitId } : {}),
  };
}
