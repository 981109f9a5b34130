import { apiError } from './api-error.ts';

// What a GitHub App installation token — the GITHUB_TOKEN of a job, or a
// token from actions/create-github-app-token — may do: each route needs one
// of a few permission scopes ("Permissions required for GitHub Apps"), and a
// token without it is answered 403 "Resource not accessible by integration".
// Tokens registered without permissions keep the fake's old behaviour:
// everything is allowed.

export type PermissionLevel = 'read' | 'write';

/** Scopes as a workflow's `permissions:` names them (`contents`, `pull-requests`, `id-token`, ...), plus `metadata`. */
export type TokenPermissions = Record<string, PermissionLevel>;

export interface PermissionNeed {
  scope: string;
  level: PermissionLevel;
}

/** Any one of the scopes, at least read. */
export const readOf = (...scopes: string[]): PermissionNeed[] => scopes.map((scope) => ({ scope, level: 'read' }));
/** Any one of the scopes, write. */
export const writeOf = (...scopes: string[]): PermissionNeed[] => scopes.map((scope) => ({ scope, level: 'write' }));

export const NOT_ACCESSIBLE = 'Resource not accessible by integration';

export function permits(granted: TokenPermissions, anyOf: readonly PermissionNeed[]): boolean {
  if (anyOf.length === 0) return true;
  return anyOf.some(({ scope, level }) => {
    const has = granted[scope];
    return has === 'write' || (has === 'read' && level === 'read');
  });
}

/** Throws GitHub's 403 when a token with permissions may not use a route. */
export function checkAccess(
  granted: TokenPermissions | undefined,
  route: { needs?: readonly PermissionNeed[]; installations?: 'forbidden' },
): void {
  if (!granted) return;
  if (route.installations === 'forbidden' || !permits(granted, route.needs ?? [])) {
    throw apiError(403, NOT_ACCESSIBLE);
  }
}
