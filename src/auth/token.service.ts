import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager, IsNull } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, DAY } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import type { RoleClaim } from '../users/roles';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthErrors } from './auth.errors';
import { TokensView } from './dto/auth.dto';
import { RefreshToken } from './refresh-token.entity';

export interface AccessTokenPayload {
  sub: number;
  typ: 'access';
  roles: RoleClaim[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Short-lived JWT access tokens (roles inside, so no lookup per request) and opaque, rotating
 * refresh tokens stored as hashes.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Issues a new pair starting a new refresh family (a fresh login). */
  async issue(user: Pick<User, 'id' | 'name'>): Promise<TokensView> {
    return this.tx.run((m) => this.issueIn(m, user, randomUUID()));
  }

  /** Rotates a refresh token: the old one is spent, a new pair in the same family is returned. */
  async refresh(presented: string): Promise<TokensView> {
    const now = this.clock.now();
    const outcome = await this.tx.run(async (m) => {
      const repo = m.getRepository(RefreshToken);
      const row = await repo.findOneBy({ tokenHash: sha256(presented) });
      if (!row || row.revokedAt || row.expiresAt <= now) return { error: AuthErrors.REFRESH_TOKEN_INVALID } as const;
      // Conditional update: of two concurrent uses, exactly one spends the token.
      const spent = await repo.update({ id: row.id, usedAt: IsNull(), revokedAt: IsNull() }, { usedAt: now });
      if (!spent.affected) {
        await repo.update({ familyId: row.familyId, revokedAt: IsNull() }, { revokedAt: now });
        return { error: AuthErrors.REFRESH_TOKEN_REUSED } as const;
      }
      const user = await m.getRepository(User).findOneBy({ id: row.userId });
      if (!user) return { error: AuthErrors.REFRESH_TOKEN_INVALID } as const;
      return { tokens: await this.issueIn(m, user, row.familyId) } as const;
    });
    // Thrown outside the transaction so the family revocation above is committed.
    if (outcome.error) throw outcome.error.error();
    return outcome.tokens;
  }

  /** Revokes every refresh token of a user (logout everywhere, account deletion). */
  async revokeAll(manager: EntityManager, userId: number): Promise<void> {
    await manager.getRepository(RefreshToken).update({ userId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
  }

  private async issueIn(manager: EntityManager, user: Pick<User, 'id' | 'name'>, familyId: string): Promise<TokensView> {
    const now = this.clock.now();
    const roles = await this.users.claimsOf(user.id, manager);
    const payload: AccessTokenPayload = { sub: user.id, typ: 'access', roles };
    const accessToken = await this.jwt.signAsync(payload, { expiresIn: this.config.auth.accessTtlSeconds });
    const refreshToken = randomBytes(32).toString('base64url');
    await manager.getRepository(RefreshToken).insert({
      userId: user.id,
      tokenHash: sha256(refreshToken),
      familyId,
      expiresAt: new Date(now.getTime() + this.config.auth.refreshTtlDays * DAY),
      usedAt: null,
      revokedAt: null,
      createdAt: now,
    });
    return { accessToken, refreshToken, expiresIn: this.config.auth.accessTtlSeconds, user: { id: user.id, name: user.name, roles } };
  }
}
