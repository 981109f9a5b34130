import pRetry, { AbortError } from 'p-retry';

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  firstDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
  /** Stops waiting and retrying when aborted (a deadline, a cancelled job). */
  signal?: AbortSignal;
  /** Whether this error is worth another attempt; default: every error. */
  shouldRetry?: (error: unknown) => boolean;
  /** Called after each failed attempt that will be retried. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `attempt` until it resolves, with exponential backoff and jitter
 * (each delay multiplied by a random factor between 1 and 2, so that many
 * clients retrying together spread out). The error of the last attempt is the
 * one thrown. The attempt number (1-based) is passed in.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? (() => true);
  return pRetry(
    async (n) => {
      try {
        return await attempt(n);
      } catch (error) {
        // p-retry refuses to retry plain TypeErrors and turns values that are
        // not Errors into TypeErrors; we decide ourselves and keep the original.
        const carried = error instanceof Error && !(error instanceof TypeError) ? error : new RetryableError(error);
        if (!shouldRetry(error)) throw new AbortError(carried);
        throw carried;
      }
    },
    {
      retries: Math.max(0, options.attempts - 1),
      factor: 2,
      minTimeout: options.firstDelayMs,
      maxTimeout: options.maxDelayMs,
      randomize: true,
      ...(options.signal ? { signal: options.signal } : {}),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && !options.signal?.aborted) options.onRetry?.(unwrap(error), attemptNumber);
      },
    },
  ).catch((error: unknown) => {
    throw unwrap(error);
  });
}

class RetryableError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof RetryableError ? error.cause : error;
}
