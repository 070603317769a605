import { z } from 'zod';

/** Each role can do everything the ones before it can. */
export const ROLE_LADDER = ['viewer', 'operator', 'approver', 'admin'] as const;

/**
 * 'predictor' is outside the ladder: a service key that may call predict and send feedback and nothing else, so a
 * client application never holds a key that could also start runs or read the registry.
 */
export const Role = z.enum([...ROLE_LADDER, 'predictor']);
export type Role = z.infer<typeof Role>;

export interface RoleRequirement {
  /** The lowest ladder role that may call. */
  role: (typeof ROLE_LADDER)[number];
  /** Roles outside the ladder that may call too. */
  alsoAllow?: readonly Role[];
}

export function roleAllows(role: Role, requirement: RoleRequirement): boolean {
  if (requirement.alsoAllow?.includes(role)) return true;
  const rank = (ROLE_LADDER as readonly string[]).indexOf(role);
  return rank >= 0 && rank >= ROLE_LADDER.indexOf(requirement.role);
}

/** The highest ladder role among a token's roles (predictor only when it has no ladder role). */
export function highestRole(roles: readonly string[]): Role | undefined {
  const ranked = ROLE_LADDER.filter((r) => roles.includes(r));
  if (ranked.length > 0) return ranked[ranked.length - 1];
  return roles.includes('predictor') ? 'predictor' : undefined;
}

/** Who is calling: `id` is the identity recorded in audit rows and checked against a spec's approvers. */
export interface Principal {
  id: string;
  role: Role;
  via: 'api-key' | 'jwt' | 'auth-disabled';
  keyId?: string;
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: 'UNAUTHENTICATED' | 'INVALID_CREDENTIALS' | 'NO_ROLE',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
