import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { evaluateTemplate, type Json } from './expressions.ts';

// The GITHUB_TOKEN's permissions, as GitHub's workflow parser computes them
// (actions/runner src/Sdk/WorkflowParser: Permissions.cs, PermissionsHelper.cs,
// WorkflowTemplateConverter.ConvertToPermissions and ConvertToReferencedWorkflow):
// `permissions:` at workflow or job level, `read-all`/`write-all`, `{}`, the
// repository's default ("Workflow permissions" setting) when none is given,
// and the rule that a called workflow's jobs may not ask for more than the
// caller grants.

export const SCOPES = [
  'actions',
  'artifact-metadata',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'statuses',
  'security-events',
  'id-token',
  'models',
] as const;

export type Scope = (typeof SCOPES)[number];
export type Level = 'none' | 'read' | 'write';
export type Permissions = Record<Scope, Level>;

/** The repository's default token permissions: "restricted" (read contents and packages) or "permissive" (read and write). */
export type PermissionsPolicy = 'restricted' | 'permissive';

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };

function all(level: Level, options: { idToken: boolean }): Permissions {
  const result = Object.fromEntries(SCOPES.map((scope) => [scope, level])) as Permissions;
  result['id-token'] = options.idToken ? level : 'none';
  // `models` is at most read (GitHub Models).
  result.models = level === 'write' ? 'read' : level;
  return result;
}

export const NO_PERMISSIONS: Permissions = all('none', { idToken: false });

/**
 * The permissions of a policy. `trusted`: a reusable workflow of the same
 * owner, whose maximum under the permissive policy includes `id-token: write`.
 */
export function policyPermissions(policy: PermissionsPolicy, trusted = false): Permissions {
  if (policy === 'restricted') return { ...NO_PERMISSIONS, contents: 'read', packages: 'read' };
  return all('write', { idToken: trusted });
}

/** A `permissions:` token (no expressions allowed there): `read-all`, `write-all` or a mapping; `{}` is none. */
export function parsePermissions(token: TemplateToken): Permissions {
  const value: Json = evaluateTemplate(token, { contexts: {} });
  if (value === 'read-all') return all('read', { idToken: true });
  if (value === 'write-all') return all('write', { idToken: true });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`Unexpected value '${String(value)}' for permissions`);
  }
  const result = { ...NO_PERMISSIONS };
  for (const [scope, level] of Object.entries(value)) {
    if (level !== 'none' && level !== 'read' && level !== 'write') {
      throw new Error(`Unexpected value '${String(level)}' for permissions.${scope}`);
    }
    if (!(SCOPES as readonly string[]).includes(scope)) continue;
    result[scope as Scope] = scope === 'models' && level === 'write' ? 'read' : level;
  }
  return result;
}

export function allows(granted: Permissions, scope: Scope, level: Level): boolean {
  return RANK[granted[scope]] >= RANK[level];
}

/**
 * GitHub's text for a called workflow, or one of its jobs, that asks for more
 * than its caller allows; undefined when it does not.
 */
export function permissionViolation(
  requested: Permissions,
  max: Permissions,
  call: { uses: string; job?: string },
): string | undefined {
  const exceeding = SCOPES.filter((scope) => RANK[requested[scope]] > RANK[max[scope]]);
  if (exceeding.length === 0) return undefined;
  const requestedText = exceeding.map((scope) => `${scope}: ${requested[scope]}`).join(', ');
  const allowedText = exceeding.map((scope) => `${scope}: ${max[scope]}`).join(', ');
  const who = call.job ? `The nested job '${call.job}' is` : 'The workflow is';
  return `Error calling workflow '${call.uses}'. ${who} requesting '${requestedText}', but is only allowed '${allowedText}'.`;
}

/** The permissions as the GitHub API fake takes them for a token: the granted scopes, and `metadata: read` that every token has. */
export function tokenScopes(permissions: Permissions): Record<string, 'read' | 'write'> {
  const scopes: Record<string, 'read' | 'write'> = { metadata: 'read' };
  for (const scope of SCOPES) {
    const level = permissions[scope];
    if (level !== 'none') scopes[scope] = level;
  }
  return scopes;
}

/** Only the scopes granted, for reports and messages: `{ contents: 'read', 'id-token': 'write' }`. */
export function grantedScopes(permissions: Permissions): Partial<Record<Scope, 'read' | 'write'>> {
  return Object.fromEntries(SCOPES.filter((s) => permissions[s] !== 'none').map((s) => [s, permissions[s]]));
}
