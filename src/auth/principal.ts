import type { Role, RoleClaim } from '../users/roles';

/** Who is calling, as proven by the access token. */
export interface Principal {
  id: number;
  roles: RoleClaim[];
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.some((claim) => roles.includes(claim.role));
}

export function claimsOf(principal: Principal, role: Role): RoleClaim[] {
  return principal.roles.filter((claim) => claim.role === role);
}
