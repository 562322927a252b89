import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CommonErrors } from '../common/errors/domain-error';
import { originOf } from '../common/http/request-origin';
import type { Role } from '../users/roles';
import { AccessTokenVerifier } from './access-token.verifier';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { hasRole, Principal } from './principal';

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`; routes marked
 * `@RequireRoles(...)` also need one of those roles. Object-level scope (which community, whose
 * wish) is decided in the services through `AccessService`.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Readonly<Principal> }>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets);
    if (isPublic) return true;
    const principal = { ...this.tokens.principalOf(request.headers.authorization), origin: originOf(request) };
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !hasRole(principal, ...roles)) throw CommonErrors.FORBIDDEN.error();
    return true;
  }
}
