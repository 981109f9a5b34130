import type { PullRequest, PullRequestReview, Repository } from '../fakes/github-api/schemas.ts';
import { webhookPayload } from '../harness/webhooks.ts';
import { changedFiles, filesOfCommit, pullRequestMergeCommit, resolveRevision } from './git.ts';

// The event a run starts from, and what GitHub derives from it ("Events that
// trigger workflows": the GITHUB_SHA and GITHUB_REF of each event), plus
// builders of real payloads (@octokit/webhooks-examples) adjusted to the
// test's repository, commits and pull requests.

export interface WorkflowEvent {
  /** `push`, `pull_request`, `pull_request_review`, `merge_group`, `schedule`, `workflow_dispatch`, ... */
  name: string;
  payload: Record<string, unknown>;
}

export interface RunIdentity {
  sha: string;
  ref: string;
  /** GITHUB_HEAD_REF / GITHUB_BASE_REF: set for pull request events only. */
  headRef: string;
  baseRef: string;
  /** The files the event changes, for `paths` filters (push, pull_request, merge_group). */
  changedFiles?: () => Promise<string[]>;
}

const ZERO_SHA = /^0+$/;

type PullPayload = {
  number: number;
  merged?: boolean;
  merge_commit_sha?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
};

async function required(dir: string, revision: string, what: string): Promise<string> {
  const sha = await resolveRevision(dir, revision);
  if (!sha) throw new Error(`${what} '${revision}' is not a commit of the repository at ${dir}`);
  return sha;
}

/**
 * GITHUB_SHA and GITHUB_REF of an event in the repository `dir`; throws for
 * an event whose commits the repository does not have, and answers
 * undefined for a pull request whose head conflicts with its base (GitHub
 * runs no pull_request workflow then).
 */
export async function runIdentity(
  event: WorkflowEvent,
  dir: string,
  defaultBranch: string,
): Promise<RunIdentity | undefined> {
  const payload = event.payload as Record<string, unknown> & {
    ref?: string;
    before?: string;
    after?: string;
    pull_request?: PullPayload;
    merge_group?: { head_sha: string; head_ref: string; base_sha: string; base_ref: string };
  };
  const onDefaultBranch = async (): Promise<RunIdentity> => ({
    sha: await required(dir, `refs/heads/${defaultBranch}`, 'The default branch'),
    ref: `refs/heads/${defaultBranch}`,
    headRef: '',
    baseRef: '',
  });

  switch (event.name) {
    case 'push': {
      const after = await required(dir, payload.after ?? '', 'The pushed commit');
      const before = payload.before && !ZERO_SHA.test(payload.before) ? payload.before : undefined;
      return {
        sha: after,
        ref: payload.ref ?? `refs/heads/${defaultBranch}`,
        headRef: '',
        baseRef: '',
        changedFiles: async () => {
          if (before && (await resolveRevision(dir, before))) return changedFiles(dir, before, after);
          // A new branch: what it adds over the default branch, else the commit itself.
          const base = await resolveRevision(dir, `refs/heads/${defaultBranch}`);
          if (base && base !== after) return changedFiles(dir, base, after, true);
          return filesOfCommit(dir, after);
        },
      };
    }
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const pull = payload.pull_request;
      if (!pull) throw new Error(`A ${event.name} event needs a pull_request in its payload`);
      const head = await required(dir, pull.head.sha, 'The pull request head');
      const base =
        (await resolveRevision(dir, `refs/heads/${pull.base.ref}`)) ??
        (await required(dir, pull.base.sha, 'The pull request base'));
      const files = () => changedFiles(dir, base, head, true);
      if (pull.merged && pull.merge_commit_sha && (await resolveRevision(dir, pull.merge_commit_sha))) {
        // A merged pull request's `closed` event: its merge commit on the base branch.
        return {
          sha: pull.merge_commit_sha,
          ref: `refs/pull/${pull.number}/merge`,
          headRef: pull.head.ref,
          baseRef: pull.base.ref,
          changedFiles: files,
        };
      }
      const merge = await pullRequestMergeCommit(dir, pull.number, base, head);
      if (!merge) return undefined;
      return {
        sha: merge,
        ref: `refs/pull/${pull.number}/merge`,
        headRef: pull.head.ref,
        baseRef: pull.base.ref,
        changedFiles: files,
      };
    }
    case 'pull_request_target': {
      const pull = payload.pull_request;
      if (!pull) throw new Error('A pull_request_target event needs a pull_request in its payload');
      return {
        sha: await required(dir, `refs/heads/${pull.base.ref}`, 'The base branch'),
        ref: `refs/heads/${pull.base.ref}`,
        headRef: pull.head.ref,
        baseRef: pull.base.ref,
      };
    }
    case 'merge_group': {
      const group = payload.merge_group;
      if (!group) throw new Error('A merge_group event needs a merge_group in its payload');
      const head = await required(dir, group.head_sha, 'The merge group head');
      return {
        sha: head,
        ref: group.head_ref,
        headRef: '',
        baseRef: '',
        changedFiles: () => changedFiles(dir, group.base_sha, head),
      };
    }
    case 'workflow_dispatch': {
      const ref = payload.ref ?? `refs/heads/${defaultBranch}`;
      const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
      return { sha: await required(dir, full, 'The dispatched ref'), ref: full, headRef: '', baseRef: '' };
    }
    default:
      // schedule, workflow_run, issue_comment, ...: the default branch's last commit.
      return onDefaultBranch();
  }
}

// ── Payload builders ────────────────────────────────────────────────────────

type RepositoryLike = Pick<Repository, 'full_name'> & Partial<Repository>;

/** The example payload's repository, renamed to `repository` (a name or the fake's object). */
function repositoryPayload(example: unknown, repository: RepositoryLike | string): Record<string, unknown> {
  const base = (example ?? {}) as Record<string, unknown> & { owner?: Record<string, unknown> };
  if (typeof repository !== 'string') return { ...base, ...repository };
  const [owner = '', name = ''] = repository.split('/');
  return {
    ...base,
    name,
    full_name: repository,
    owner: { ...base.owner, login: owner, name: owner },
    html_url: `https://github.com/${repository}`,
    default_branch: 'main',
  };
}

/** A real `push` payload for `after` on `ref` (a branch or tag ref). */
export function pushEvent(options: {
  repository: RepositoryLike | string;
  ref: string;
  after: string;
  before?: string;
  pusher?: string;
}): WorkflowEvent {
  const payload = webhookPayload('push');
  const ref = options.ref.startsWith('refs/') ? options.ref : `refs/heads/${options.ref}`;
  Object.assign(payload, {
    ref,
    before: options.before ?? '0000000000000000000000000000000000000000',
    after: options.after,
    created: options.before === undefined,
    deleted: false,
    base_ref: null,
    repository: repositoryPayload(payload.repository, options.repository),
  });
  const head = payload.head_commit as Record<string, unknown> | null;
  if (head) payload.head_commit = { ...head, id: options.after };
  payload.commits = [];
  if (options.pusher) {
    payload.pusher = { name: options.pusher, email: `${options.pusher}@example.com` };
    payload.sender = { ...(payload.sender as object), login: options.pusher };
  }
  return { name: 'push', payload };
}

/** A real `pull_request` payload carrying the fake's pull request (its head, base and repository). */
export function pullRequestEvent(
  pull: PullRequest,
  action = 'opened',
  options: { sender?: string } = {},
): WorkflowEvent {
  const payload = webhookPayload('pull_request', action === 'edited' ? undefined : action) as Record<string, unknown>;
  Object.assign(payload, {
    action,
    number: pull.number,
    pull_request: pull,
    repository: pull.base.repo,
  });
  if (options.sender) payload.sender = { ...(payload.sender as object), login: options.sender };
  return { name: 'pull_request', payload };
}

/** A real `pull_request_review` payload for a review of the fake's pull request. */
export function pullRequestReviewEvent(
  pull: PullRequest,
  review: PullRequestReview,
  action: 'submitted' | 'edited' | 'dismissed' = 'submitted',
): WorkflowEvent {
  const payload = webhookPayload('pull_request_review', action === 'edited' ? undefined : action);
  Object.assign(payload, {
    action,
    review,
    pull_request: pull,
    repository: pull.base.repo,
    sender: review.user ?? payload.sender,
  });
  return { name: 'pull_request_review', payload };
}

/** A real `merge_group` payload: the queue's temporary branch `head_ref` at `headSha` over `baseSha`. */
export function mergeGroupEvent(options: {
  repository: RepositoryLike | string;
  headSha: string;
  baseSha: string;
  baseRef?: string;
  headRef?: string;
}): WorkflowEvent {
  const payload = webhookPayload('merge_group', 'checks_requested');
  const baseRef = options.baseRef ?? 'refs/heads/main';
  const group = payload.merge_group as Record<string, unknown>;
  payload.merge_group = {
    ...group,
    head_sha: options.headSha,
    head_ref:
      options.headRef ??
      `refs/heads/gh-readonly-queue/${baseRef.replace(/^refs\/heads\//, '')}/pr-1-${options.baseSha}`,
    base_sha: options.baseSha,
    base_ref: baseRef,
    head_commit: { ...(group.head_commit as object), id: options.headSha },
  };
  payload.repository = repositoryPayload(payload.repository, options.repository);
  return { name: 'merge_group', payload };
}

/** A `schedule` event: GitHub's payload names the cron that fired and carries no repository. */
export function scheduleEvent(cron: string): WorkflowEvent {
  return { name: 'schedule', payload: { schedule: cron } };
}

/** A real `workflow_dispatch` payload: `inputs` as the API sends them (strings). */
export function workflowDispatchEvent(options: {
  repository: RepositoryLike | string;
  workflow: string;
  ref?: string;
  inputs?: Record<string, string>;
  sender?: string;
}): WorkflowEvent {
  const payload = webhookPayload('workflow_dispatch');
  const ref = options.ref ?? 'refs/heads/main';
  Object.assign(payload, {
    ref: ref.startsWith('refs/') ? ref : `refs/heads/${ref}`,
    inputs: options.inputs ?? {},
    workflow: options.workflow,
    repository: repositoryPayload(payload.repository, options.repository),
  });
  if (options.sender) payload.sender = { ...(payload.sender as object), login: options.sender };
  return { name: 'workflow_dispatch', payload };
}
