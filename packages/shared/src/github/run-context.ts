import { readFileSync } from 'node:fs';

// What an action needs to know about the workflow run it is in, read once
// from the runner's environment and the event payload.

export interface PullRequestContext {
  number: number;
  headSha: string;
  baseRef: string;
  /** From a fork: the token cannot write to the base repository. */
  fromFork: boolean;
}

export interface RunContext {
  owner: string;
  repo: string;
  repository: string;
  eventName: string;
  /** The commit the run is about: a pull request's head, else GITHUB_SHA. */
  commitSha: string;
  ref: string;
  runId: string;
  runAttempt: string;
  runUrl: string;
  serverUrl: string;
  workspaceRoot: string;
  pullRequest?: PullRequestContext;
  payload: Record<string, unknown>;
}

interface PullRequestPayload {
  number: number;
  head: { sha: string; repo?: { full_name?: string } | null };
  base: { ref: string; repo?: { full_name?: string } };
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const payload = env.GITHUB_EVENT_PATH
    ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>)
    : {};
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = env.GITHUB_RUN_ID ?? '0';
  const pr = payload.pull_request as PullRequestPayload | undefined;
  const pullRequest = pr && {
    number: pr.number,
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    // A deleted fork has no head repo: treat it as a fork too.
    fromFork: (pr.head.repo?.full_name ?? '') !== (pr.base.repo?.full_name ?? repository),
  };
  return {
    owner,
    repo,
    repository,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    commitSha: pullRequest?.headSha ?? env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    runUrl: `${serverUrl}/${repository}/actions/runs/${runId}`,
    serverUrl,
    workspaceRoot: env.GITHUB_WORKSPACE ?? process.cwd(),
    ...(pullRequest ? { pullRequest } : {}),
    payload,
  };
}
