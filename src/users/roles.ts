export const ROLES = ['resident', 'member', 'community_admin', 'unit_admin', 'region_admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that must carry a region scope, a unit scope, or none. */
export const ROLE_SCOPE: Record<Role, 'region' | 'unit' | 'none'> = {
  resident: 'none',
  member: 'none',
  community_admin: 'region',
  region_admin: 'region',
  unit_admin: 'unit',
};

export const ADMIN_ROLES: readonly Role[] = ['community_admin', 'region_admin', 'unit_admin'];

/** A role grant as carried in tokens and answers. */
export interface RoleClaim {
  role: Role;
  regionId?: number;
  unitId?: number;
}
