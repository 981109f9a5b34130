import { apiError, notFound, validationFailed } from './api-error.ts';
import type { FakeState, RepoState } from './state.ts';
import type { PermissionNeed } from './token-permissions.ts';
import type { FakeUser } from './users.ts';

export interface RequestContext {
  state: FakeState;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The token and its user; on public routes, nobody's. */
  token: string;
  user: FakeUser;
}

export interface RouteResponse {
  status: number;
  /** Serialised as JSON unless it is bytes. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** As GitHub's docs write it: `/repos/{owner}/{repo}/issues`. */
  path: string;
  pattern: RegExp;
  keys: string[];
  /** Served without a token, like a signed storage URL. */
  public: boolean;
  /** The scopes a token with permissions needs, any one of them (none: every token may). */
  needs?: readonly PermissionNeed[];
  /** `forbidden`: installation tokens (tokens with permissions) are refused, as GitHub refuses them `GET /user`. */
  installations?: 'forbidden';
  handle: (context: RequestContext) => RouteResponse;
}

/** A route of `{param}` segments, as GitHub's docs write them. */
export function route(
  method: string,
  path: string,
  handle: Route['handle'],
  options: { public?: boolean; needs?: readonly PermissionNeed[]; installations?: 'forbidden' } = {},
): Route {
  const keys: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return {
    method,
    path,
    pattern: new RegExp(`^${source}/?$`),
    keys,
    public: options.public ?? false,
    ...(options.needs ? { needs: options.needs } : {}),
    ...(options.installations ? { installations: options.installations } : {}),
    handle,
  };
}

export function findRoute(routes: Route[], method: string, path: string) {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const params = Object.fromEntries(candidate.keys.map((key, i) => [key, decodeURIComponent(match[i + 1]!)]));
    return { route: candidate, params };
  }
  return undefined;
}

export const ok = (body: unknown): RouteResponse => ({ status: 200, body });
export const created = (body: unknown): RouteResponse => ({ status: 201, body });
export const noContent = (): RouteResponse => ({ status: 204 });

/** The repository of `{owner}/{repo}`; 404 as on GitHub when there is none. */
export function repoOf(context: RequestContext): RepoState {
  const repo = context.state.repo(`${context.params.owner}/${context.params.repo}`);
  if (!repo) throw notFound();
  return repo;
}

export function intParam(context: RequestContext, name: string): number {
  const value = Number(context.params[name]);
  if (!Number.isSafeInteger(value) || value <= 0) throw notFound();
  return value;
}

/** The JSON object body; GitHub answers 400 to anything else. */
export function bodyOf(context: RequestContext): Record<string, unknown> {
  const body = context.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw apiError(400, 'Problems parsing JSON');
  return body as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, resource: string, field: string, required: true): string;
export function stringField(
  body: Record<string, unknown>,
  resource: string,
  field: string,
  required?: false,
): string | undefined;
export function stringField(body: Record<string, unknown>, resource: string, field: string, required = false) {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw validationFailed(resource, field, 'missing_field');
    return undefined;
  }
  if (typeof value !== 'string') throw validationFailed(resource, field, 'invalid');
  if (required && !value.trim()) throw validationFailed(resource, field, 'missing_field');
  return value;
}

export function choiceField<T extends string>(
  body: Record<string, unknown>,
  resource: string,
  field: string,
  choices: readonly T[],
): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  const choice = choices.find((c) => c === value);
  if (!choice) throw validationFailed(resource, field, 'invalid', typeof value === 'string' ? value : null);
  return choice;
}

/** Label names from `["a", "b"]` or `[{ "name": "a" }]`, at `field` or as the whole body. */
export function labelNamesField(value: unknown, resource: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw validationFailed(resource, 'labels', 'invalid');
  return value.map((item: unknown) => {
    const name = typeof item === 'string' ? item : (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !name.trim()) throw validationFailed(resource, 'labels', 'invalid');
    return name;
  });
}
