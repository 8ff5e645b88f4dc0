/** Roles and what each may do. Checked per route before the handler runs. */
export const ROLES = ['admin', 'engineer', 'customer-admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'read',
  'migration.write',
  'migration.run',
  'migration.approve',
  'migration.rollback',
  'agents.manage',
  'webhooks.manage',
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  admin: new Set<Permission>(PERMISSIONS),
  // Engineers drive migrations but do not sign off on them: approval is the customer's.
  engineer: new Set<Permission>(['read', 'migration.write', 'migration.run', 'migration.rollback', 'agents.manage', 'webhooks.manage']),
  'customer-admin': new Set<Permission>(['read', 'migration.approve']),
  viewer: new Set<Permission>(['read']),
});

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** Who is calling: resolved from an API key or a browser session. */
export interface Principal {
  tenantId: string;
  role: Role;
  /** For the audit trail: user:<email> or key:<prefix>. */
  actor: string;
  via: 'api-key' | 'session';
  userId?: string;
  /** Session principals only: SHA-256 of the CSRF token bound to the session. */
  csrfHash?: Buffer;
}
