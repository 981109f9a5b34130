import { isRecord } from '../../util/values.ts';
import type { Scope } from './expressions.ts';

// The run as metadata-action sees it: event, ref, commit, commit date and the
// repository. Pure: the edge (context-lookups.ts) reads the payload, the API
// and the checkout and passes what it found in.

/** The repository's data the OCI labels and type=edge need. */
export interface RepositoryInfo {
  name: string;
  description: string;
  htmlUrl: string;
  /** SPDX identifier, '' when unknown. */
  license: string;
  defaultBranch: string;
}

export interface GitContext {
  /** GITHUB_EVENT_NAME: push, pull_request, pull_request_target, schedule, workflow_dispatch, ... */
  eventName: string;
  /** GITHUB_REF, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/2/merge. */
  ref: string;
  /** GITHUB_SHA: on pull requests the merge commit, as metadata-action uses it by default. */
  sha: string;
  /** The event payload (GITHUB_EVENT_PATH). */
  payload: Record<string, unknown>;
  /** The repository's default branch; the repository's when absent. */
  defaultBranch?: string;
  /** The repository when the payload has none (schedule): from the API. */
  repository?: RepositoryInfo;
  /** For {{date}} and the created label. */
  now: Date;
  /** For {{commit_date}}; `now` when absent, as metadata-action falls back. */
  commitDate?: Date;
  /** Use the pull request's head commit instead of `sha` on pull request events (DOCKER_METADATA_PR_HEAD_SHA). */
  prHeadSha?: boolean;
  /** Characters of {{sha}} and type=sha (DOCKER_METADATA_SHORT_SHA_LENGTH); default 7. */
  shortShaLength?: number;
}

export interface ResolvedContext extends GitContext {
  defaultBranch: string;
  repository: RepositoryInfo;
}

export const DEFAULT_SHORT_SHA_LENGTH = 7;

/** The repository data of an event payload's `repository`; undefined when the payload has none (schedule). */
export function repositoryFromPayload(payload: Record<string, unknown>): RepositoryInfo | undefined {
  return isRecord(payload.repository) ? repositoryInfo(payload.repository) : undefined;
}

/** The fields of a repository object, as the payload and `GET /repos/{owner}/{repo}` both give it. */
export function repositoryInfo(repository: Record<string, unknown>): RepositoryInfo {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    name: text(repository.name),
    description: text(repository.description),
    htmlUrl: text(repository.html_url),
    license: isRecord(repository.license) ? text(repository.license.spdx_id) : '',
    defaultBranch: text(repository.default_branch),
  };
}

const NO_REPOSITORY: RepositoryInfo = { name: '', description: '', htmlUrl: '', license: '', defaultBranch: '' };

/**
 * The context as metadata-action sees it: pull_request_target runs on the
 * base branch's ref, so its ref becomes the pull request's; the head commit
 * when asked; the repository from the payload, else the one passed in.
 */
export function resolveGitContext(context: GitContext): ResolvedContext {
  const payload = context.payload;
  const pr = isRecord(payload.pull_request) ? payload.pull_request : undefined;
  const isPullRequest = /pull_request/.test(context.eventName);
  let ref = context.ref;
  if (context.eventName === 'pull_request_target' && payload.number !== undefined) {
    ref = `refs/pull/${String(payload.number)}/merge`;
  }
  let sha = context.sha;
  const headSha = pr && isRecord(pr.head) && typeof pr.head.sha === 'string' ? pr.head.sha : undefined;
  if (context.prHeadSha && isPullRequest && headSha) sha = headSha;
  const repository = repositoryFromPayload(payload) ?? context.repository ?? NO_REPOSITORY;
  return {
    ...context,
    ref,
    sha,
    repository,
    defaultBranch: context.defaultBranch || repository.defaultBranch,
  };
}

export function refName(ref: string, kind: 'heads' | 'tags'): string | undefined {
  const prefix = `refs/${kind}/`;
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

export function shortSha(context: GitContext): string {
  return context.sha.slice(0, context.shortShaLength ?? DEFAULT_SHORT_SHA_LENGTH);
}

/** The values of the global expressions for this run. */
export function globalScope(context: ResolvedContext): Scope {
  const { ref, payload, eventName } = context;
  const branch = refName(ref, 'heads');
  const tag = refName(ref, 'tags');
  let baseRef = '';
  if (tag !== undefined && typeof payload.base_ref === 'string')
    baseRef = payload.base_ref.replace(/^refs\/heads\//, '');
  else if (ref.startsWith('refs/pull/') && isRecord(payload.pull_request) && isRecord(payload.pull_request.base)) {
    baseRef = String(payload.pull_request.base.ref ?? '');
  }
  // These events always run on the default branch's last commit.
  const onDefaultBranch =
    (branch !== undefined && branch !== '' && branch === context.defaultBranch) ||
    (ref !== '' && /create|discussion|issues|schedule/.test(eventName));
  return {
    values: {
      branch: branch ?? '',
      tag: tag ?? '',
      sha: shortSha(context),
      base_ref: baseRef,
      is_default_branch: String(onDefaultBranch),
      is_not_default_branch: String(!onDefaultBranch),
    },
    now: context.now,
    commitDate: context.commitDate ?? context.now,
  };
}
