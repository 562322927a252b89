import { Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { CommonErrors } from '../common/errors/domain-error';
import { AuthErrors } from './auth.errors';
import type { Principal } from './principal';
import type { AccessTokenPayload } from './token.service';

/** Tokens remembered as verified; ~0.4 KB each, so the cache stays under 5 MB. */
const REMEMBERED_MAX = 10_000;

interface Verified {
  principal: Readonly<Principal>;
  /** `exp` of the token, in seconds, as jsonwebtoken compares it. */
  expiresAt: number;
}

/**
 * Turns a bearer header into the caller's Principal, for the auth guard and the rate limiter (which
 * runs first and counts per user).
 *
 * A token that verified once is remembered until it expires: a mini-program sends the same token
 * on every request for its 15 minutes, and decoding, HMAC and claim checks were ~5 % of the
 * service's busy time on the hot reads (issue #7). The key is the whole token text, signature
 * included, so a remembered entry can only answer for exactly the bytes that verified; tokens that
 * fail are never remembered. Expiry is checked on every use, by the same rule and clock as
 * jsonwebtoken (whole seconds of Date.now()).
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly remembered = new Map<string, Verified>();

  constructor(private readonly jwt: JwtService) {}

  /** The caller of a request with this Authorization header; coded 401 errors when it does not prove one. */
  principalOf(header: string | undefined): Readonly<Principal> {
    if (!header?.startsWith('Bearer ')) throw CommonErrors.UNAUTHENTICATED.error();
    const token = header.slice(7).trim();
    const now = Math.floor(Date.now() / 1000);
    const known = this.remembered.get(token);
    if (known) {
      if (now < known.expiresAt) return known.principal;
      this.remembered.delete(token);
      throw AuthErrors.TOKEN_EXPIRED.error();
    }

    let payload: AccessTokenPayload & { exp?: number };
    try {
      payload = this.jwt.verify<AccessTokenPayload & { exp?: number }>(token);
    } catch (error) {
      throw error instanceof TokenExpiredError ? AuthErrors.TOKEN_EXPIRED.error() : CommonErrors.TOKEN_INVALID.error();
    }
    if (payload.typ !== 'access' || !Number.isSafeInteger(payload.sub) || !Number.isSafeInteger(payload.exp)) throw CommonErrors.TOKEN_INVALID.error();
    const principal: Readonly<Principal> = Object.freeze({ id: payload.sub, roles: Object.freeze((payload.roles ?? []).map((claim) => Object.freeze({ ...claim }))) as Principal['roles'] });
    this.remember(token, { principal, expiresAt: payload.exp! });
    return principal;
  }

  /** The verified user id, or undefined for a missing, forged or expired token (never throws). */
  userIdOf(header: string | undefined): number | undefined {
    if (!header?.startsWith('Bearer ')) return undefined;
    try {
      return this.principalOf(header).id;
    } catch {
      return undefined;
    }
  }

  private remember(token: string, verified: Verified): void {
    if (this.remembered.size >= REMEMBERED_MAX) {
      // Oldest first (a Map iterates in insertion order): those expire first anyway.
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(token, verified);
  }
}
