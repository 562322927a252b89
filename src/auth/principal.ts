import type { RequestOrigin } from '../common/http/request-origin';
import type { Role, RoleClaim } from '../users/roles';

/** Who is calling, as proven by the access token, and from which request. */
export interface Principal {
  id: number;
  roles: RoleClaim[];
  /** The request being handled; the auth guard sets it on every authenticated request. */
  origin?: RequestOrigin;
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.some((claim) => roles.includes(claim.role));
}

export function claimsOf(principal: Principal, role: Role): RoleClaim[] {
  return principal.roles.filter((claim) => claim.role === role);
}

/** For a log line written on the caller's behalf: `reqId`, the same key and value as on the request's access line. */
export function requestTag(principal: Principal): { reqId?: string } {
  return principal.origin ? { reqId: principal.origin.requestId } : {};
}
