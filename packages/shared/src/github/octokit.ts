import * as core from '../action/runner-commands.ts';
import { getOctokit } from '@actions/github';
import { defaults as toolkitDefaults } from '@actions/github/lib/utils';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { redact } from '../action/mask.ts';

/** The GitHub client of the suite: REST methods, `paginate`, `graphql`, with retries and throttling. */
export type GitHubClient = ReturnType<typeof getOctokit>;

export interface OctokitOptions {
  /** REST API root; default `GITHUB_API_URL`, else https://api.github.com. GraphQL is derived from it. */
  baseUrl?: string;
  /** Retries of one request after a 5xx, a network error, a timeout or a rate limit; default 3. */
  retries?: number;
  /**
   * Milliseconds waited per second of `retry-after`, rate-limit reset or
   * backoff; default 1000. Tests set a few ms to make waits short.
   */
  retryAfterBaseValue?: number;
  /**
   * Space writes out as GitHub asks integrations to (1 s between writes, 3 s
   * between content-creating ones); default true. Tests turn it off.
   */
  paceWrites?: boolean;
  /** Time limit of one attempt of one request; default 60 s. */
  requestTimeoutMs?: number;
  /** Where rate-limit and client warnings go; default the runner's warning annotation. */
  warn?: (message: string) => void;
}

// A primary limit resets within the hour; a job sitting idle that long is
// worse than a clear failure, so longer waits are not retried.
const MAX_RATE_LIMIT_WAIT_SECONDS = 300;

// The retry plugin's default list plus 429: the throttling plugin owns rate
// limits and waits as long as `retry-after` / `x-ratelimit-reset` say, where
// the retry plugin would back off blindly and then hand it over anyway.
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** The one Octokit factory of the suite. */
export function createOctokit(token: string, options: OctokitOptions = {}): GitHubClient {
  const retries = options.retries ?? 3;
  const warn = options.warn ?? ((message: string) => core.warning(message));
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _: unknown, retryCount: number) => {
      const what = `GitHub API ${kind} on ${request.method} ${request.url}`;
      if (retryCount >= retries) {
        warn(`${what}; giving up, retry limit (${retries}) reached.`);
        return false;
      }
      if (retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
        warn(`${what}; it lifts in ${retryAfter}s, too long to wait.`);
        return false;
      }
      warn(`${what}; retrying in ${retryAfter}s (retry ${retryCount + 1} of ${retries}).`);
      return true;
    };
  // The throttling plugin paces writes with process-wide limiters; groups
  // without a minimum interval replace them when pacing is off.
  const unpaced =
    options.paceWrites === false
      ? { write: new Bottleneck.Group({ maxConcurrent: 1 }), notifications: new Bottleneck.Group({ maxConcurrent: 1 }) }
      : {};
  const client = getOctokit(
    token,
    {
      // GraphQL goes to `<baseUrl>/graphql` (`/api/graphql` on GHES), Octokit's own
      // derivation, which matches every GitHub product. GITHUB_GRAPHQL_URL is not
      // read: inherited from a real runner, it could point elsewhere than an
      // overridden GITHUB_API_URL (a test's fake).
      baseUrl: options.baseUrl || process.env.GITHUB_API_URL || 'https://api.github.com',
      // @actions/github's fetch goes through the runner's proxy settings; keep it, with a time limit.
      request: { fetch: withTimeout(toolkitDefaults.request?.fetch ?? fetch, options.requestTimeoutMs ?? 60_000) },
      log: {
        debug: (message: string) => core.debug(message),
        info: (message: string) => core.info(message),
        warn: (message: string) => warn(message),
        error: (message: string) => core.error(message),
      },
      retry: { retries, retryAfterBaseValue: options.retryAfterBaseValue ?? 1000, doNotRetry: DO_NOT_RETRY },
      throttle: {
        retryAfterBaseValue: options.retryAfterBaseValue ?? 1000,
        onRateLimit: onLimit('rate limit reached'),
        onSecondaryRateLimit: onLimit('secondary rate limit reached'),
        ...unpaced,
      },
    },
    retry,
    throttling,
  );
  // Every text the suite writes to GitHub (comment and issue bodies, titles)
  // goes through the one masking function, whatever code built it.
  client.hook.before('request', (request) => {
    for (const field of ['body', 'title'] as const) {
      const value: unknown = request[field];
      if (typeof value === 'string') request[field] = redact(value);
    }
  });
  return client;
}

// A hung connection would otherwise hold the job until its own timeout
// (6 hours by default). @octokit/request reports the timeout as a 500 without
// a response, which the retry plugin retries.
function withTimeout(fetchImpl: typeof fetch, timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetchImpl(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}
