import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { CommonErrors } from '../common/errors/domain-error';
import type { Role } from '../users/roles';
import { AuthErrors } from './auth.errors';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { hasRole, Principal } from './principal';
import type { AccessTokenPayload } from './token.service';

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`; routes marked
 * `@RequireRoles(...)` also need one of those roles. Object-level scope (which community, whose
 * wish) is decided in the services through `AccessService`.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets);
    const header = request.headers.authorization;
    if (isPublic) return true;
    if (!header?.startsWith('Bearer ')) throw CommonErrors.UNAUTHENTICATED.error();

    let payload: AccessTokenPayload;
    try {
      payload = this.jwt.verify<AccessTokenPayload>(header.slice(7).trim());
    } catch (error) {
      throw error instanceof TokenExpiredError ? AuthErrors.TOKEN_EXPIRED.error() : CommonErrors.TOKEN_INVALID.error();
    }
    if (payload.typ !== 'access' || !Number.isSafeInteger(payload.sub)) throw CommonErrors.TOKEN_INVALID.error();
    const principal: Principal = { id: payload.sub, roles: payload.roles ?? [] };
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !hasRole(principal, ...roles)) throw CommonErrors.FORBIDDEN.error();
    return true;
  }
}
