import * as core from '../action/runner-commands.ts';
import { retry, type RetryOptions } from '../util/retry.ts';

// Every write is safe to retry: a create (a comment, an issue) whose answer
// was lost may have been made all the same, so before it is sent again the
// thing is looked up by its marker, and what is found is taken.

export type CreateRetry = Partial<Pick<RetryOptions, 'attempts' | 'firstDelayMs' | 'maxDelayMs'>>;

/** Attempts of a create and the backoff between them: 1 s doubling, 4 attempts. */
export const DEFAULT_CREATE_RETRY = { attempts: 4, firstDelayMs: 1_000, maxDelayMs: 10_000 } as const;

/**
 * Creates something once. When the create fails in a way that may have
 * reached GitHub (a 5xx, a timeout, a dropped connection), `find` looks for
 * it before each new attempt, and what it finds is returned. The create
 * itself must be sent without Octokit's own retries (`request: { retries: 0 }`),
 * which would post again blindly.
 */
export async function createOnce<T>(
  what: string,
  find: () => Promise<T | undefined>,
  create: () => Promise<T>,
  options: CreateRetry = {},
): Promise<T> {
  return retry(
    async (attempt) => {
      if (attempt > 1) {
        const found = await find();
        if (found) return found;
      }
      return create();
    },
    {
      ...DEFAULT_CREATE_RETRY,
      ...options,
      shouldRetry: mayHaveReachedGitHub,
      onRetry: (error, attempt) =>
        core.info(
          `Creating ${what} failed (${describeGitHubError(error)}); looking it up before attempt ${attempt + 1}.`,
        ),
    },
  );
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Whether a failed request may have been carried out all the same: GitHub
 * answered 5xx, or no answer came (Octokit reports a network failure or a
 * timeout as a 500 without a response).
 */
export function mayHaveReachedGitHub(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/** A failed request in one line: `HTTP 502: Bad Gateway`. */
export function describeGitHubError(error: unknown): string {
  const status = statusOf(error);
  const message = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!.trim();
  return status ? `HTTP ${status}: ${message}` : message;
}
