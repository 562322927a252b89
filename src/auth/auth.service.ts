import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as bcrypt from 'bcryptjs';
import { EntityManager, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, MINUTE } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { Region } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import { ROLE_SCOPE, RoleClaim } from '../users/roles';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { WechatClient } from '../wechat/wechat.client';
import { AuthErrors } from './auth.errors';
import { TokensView } from './dto/auth.dto';
import { TokenService } from './token.service';

export const PASSWORD_HASH_ROUNDS = 10;
// Compared against when the username does not exist, so both failures take the same time.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', PASSWORD_HASH_ROUNDS);

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectRepository(User) private readonly userRepo: Repository<User>,
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly wechat: WechatClient,
    private readonly tx: TransactionRunner,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async wechatLogin(code: string): Promise<TokensView> {
    const session = await this.wechat.code2Session(code);
    const user = await this.users.upsertByOpenid(session.openid, { unionid: session.unionid, sessionKey: session.sessionKey });
    this.logger.log({ userId: user.id }, 'wechat login');
    return this.tokens.issue(user);
  }

  /** For trying the service and for tests; the route answers 404 when dev login is off. */
  async devLogin(openid: string, name: string | undefined, roles: RoleClaim[] = []): Promise<TokensView> {
    if (!this.config.auth.devLoginEnabled) throw AuthErrors.DEV_LOGIN_DISABLED.error();
    const user = await this.users.upsertByOpenid(`dev:${openid}`, { name });
    await this.tx.run(async (m) => {
      await assertClaimsValid(m, roles);
      await this.users.addGrants(m, user.id, roles);
      if (name && name !== user.name) await m.getRepository(User).update({ id: user.id }, { name, updatedAt: this.clock.now() });
    });
    return this.tokens.issue({ id: user.id, name: name ?? user.name });
  }

  /**
   * Office staff login. After `passwordMaxFailures` wrong passwords in a row the account is locked
   * for `passwordLockMinutes`; the counter is incremented in SQL, so parallel guesses all count.
   */
  async passwordLogin(username: string, password: string): Promise<TokensView> {
    const now = this.clock.now();
    const user = await this.userRepo.findOne({
      where: { username },
      select: { id: true, name: true, passwordHash: true, lockedUntil: true, failedLoginCount: true },
    });
    if (!user?.passwordHash) {
      await bcrypt.compare(password, DUMMY_HASH);
      throw AuthErrors.INVALID_CREDENTIALS.error();
    }
    if (user.lockedUntil && user.lockedUntil > now) throw this.lockedError(user.lockedUntil, now);
    if (!(await bcrypt.compare(password, user.passwordHash))) {
      const lockedUntil = await this.recordFailure(user.id, now);
      if (lockedUntil) {
        this.logger.warn({ userId: user.id }, 'account locked after repeated password failures');
        throw this.lockedError(lockedUntil, now);
      }
      throw AuthErrors.INVALID_CREDENTIALS.error();
    }
    if (user.failedLoginCount > 0 || user.lockedUntil) {
      await this.tx.run((m) => m.getRepository(User).update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null }));
    }
    return this.tokens.issue(user);
  }

  private async recordFailure(userId: number, now: Date): Promise<Date | null> {
    const maxFailures = this.config.auth.passwordMaxFailures;
    const lockUntil = new Date(now.getTime() + this.config.auth.passwordLockMinutes * MINUTE);
    return this.tx.run(async (m) => {
      await m.createQueryBuilder().update(User).set({ failedLoginCount: () => 'failed_login_count + 1' }).where('id = :userId', { userId }).execute();
      const result = await m
        .createQueryBuilder()
        .update(User)
        .set({ lockedUntil: lockUntil, failedLoginCount: 0 })
        .where('id = :userId AND failed_login_count >= :maxFailures', { userId, maxFailures })
        .execute();
      return result.affected ? lockUntil : null;
    });
  }

  private lockedError(lockedUntil: Date, now: Date) {
    const seconds = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
    return AuthErrors.ACCOUNT_LOCKED.error(`登录失败次数过多，账号已临时锁定，请 ${Math.ceil(seconds / 60)} 分钟后再试`, {
      retryAfterSeconds: seconds,
    });
  }
}

/** Checks that each claim has the scope its role needs and that the scope exists. */
export async function assertClaimsValid(manager: EntityManager, claims: RoleClaim[]): Promise<void> {
  for (const claim of claims) {
    const scope = ROLE_SCOPE[claim.role];
    const shapeOk =
      (scope === 'none' && !claim.regionId && !claim.unitId) ||
      (scope === 'region' && claim.regionId && !claim.unitId) ||
      (scope === 'unit' && claim.unitId && !claim.regionId);
    if (!shapeOk) throw AuthErrors.ROLE_SCOPE_INVALID.error(`角色 ${claim.role} 的管辖范围不正确`);
    if (claim.regionId) {
      const region = await manager.getRepository(Region).findOneBy({ id: claim.regionId });
      if (!region || (claim.role === 'community_admin' && region.level !== 'community')) {
        throw AuthErrors.ROLE_SCOPE_INVALID.error(`角色 ${claim.role} 需要有效的${claim.role === 'community_admin' ? '社区' : '区划'}`);
      }
    }
    if (claim.unitId && !(await manager.getRepository(Unit).exists({ where: { id: claim.unitId } }))) {
      throw AuthErrors.ROLE_SCOPE_INVALID.error('角色 unit_admin 需要有效的单位');
    }
  }
}
