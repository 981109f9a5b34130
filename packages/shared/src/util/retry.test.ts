import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { retry, type RetryOptions } from './retry.ts';

const fast: RetryOptions = { attempts: 3, firstDelayMs: 1, maxDelayMs: 5 };

/** An attempt function that fails with `errors[n - 1]` and then resolves with `value`. */
function failing<T>(errors: unknown[], value?: T) {
  const calls: number[] = [];
  const attempt = async (n: number): Promise<T> => {
    calls.push(n);
    if (calls.length <= errors.length) throw errors[calls.length - 1];
    return value as T;
  };
  return { attempt, calls };
}

describe('retry', () => {
  it('returns the value of the first attempt that resolves, passing 1-based attempt numbers', async () => {
    const { attempt, calls } = failing([new Error('a'), new Error('b')], 'done');
    assert.equal(await retry(attempt, { ...fast, attempts: 5 }), 'done');
    assert.deepEqual(calls, [1, 2, 3]);
  });

  it('does not retry an attempt that resolves at once', async () => {
    const { attempt, calls } = failing([], 42);
    assert.equal(await retry(attempt, fast), 42);
    assert.deepEqual(calls, [1]);
  });

  it('makes exactly `attempts` attempts and throws the error of the last one', async () => {
    const errors = [new Error('first'), new Error('second'), new Error('third'), new Error('never')];
    const { attempt, calls } = failing(errors);
    await assert.rejects(retry(attempt, fast), (error) => {
      assert.equal(error, errors[2]);
      return true;
    });
    assert.deepEqual(calls, [1, 2, 3]);
  });

  it('makes a single attempt when attempts is 1', async () => {
    const error = new Error('once');
    const { attempt, calls } = failing([error, error]);
    await assert.rejects(retry(attempt, { ...fast, attempts: 1 }), (thrown) => thrown === error);
    assert.deepEqual(calls, [1]);
  });

  it('retries TypeErrors too and throws the original TypeError object', async () => {
    const errors = [new TypeError('fetch failed 1'), new TypeError('fetch failed 2'), new TypeError('fetch failed 3')];
    const { attempt, calls } = failing(errors);
    await assert.rejects(retry(attempt, fast), (error) => {
      assert.equal(error, errors[2]);
      assert.ok(error instanceof TypeError);
      return true;
    });
    assert.deepEqual(calls, [1, 2, 3]);
  });

  it('resolves after TypeErrors when a later attempt succeeds', async () => {
    const { attempt, calls } = failing([new TypeError('fetch failed')], 'ok');
    assert.equal(await retry(attempt, fast), 'ok');
    assert.deepEqual(calls, [1, 2]);
  });

  it('retries values that are not Error objects and throws the last one as it was', async () => {
    const { attempt, calls } = failing(['busy 1', 'busy 2', 'busy 3']);
    await assert.rejects(retry(attempt, fast), (error) => error === 'busy 3');
    assert.deepEqual(calls, [1, 2, 3]);
  });

  it('stops at once when shouldRetry says no, throwing the original error', async () => {
    const error = new Error('401 Unauthorized');
    const seen: unknown[] = [];
    const { attempt, calls } = failing([error, error, error]);
    const shouldRetry = (e: unknown) => {
      seen.push(e);
      return false;
    };
    await assert.rejects(retry(attempt, { ...fast, shouldRetry }), (thrown) => thrown === error);
    assert.deepEqual(calls, [1]);
    assert.deepEqual(seen, [error]);
  });

  it('stops at once on a TypeError that shouldRetry refuses, throwing that TypeError', async () => {
    const error = new TypeError('bad argument');
    const { attempt, calls } = failing([error, error]);
    await assert.rejects(retry(attempt, { ...fast, shouldRetry: () => false }), (thrown) => thrown === error);
    assert.deepEqual(calls, [1]);
  });

  it('stops at once on a non-Error value that shouldRetry refuses, throwing that value', async () => {
    const { attempt, calls } = failing(['fatal', 'fatal']);
    await assert.rejects(retry(attempt, { ...fast, shouldRetry: () => false }), (thrown) => thrown === 'fatal');
    assert.deepEqual(calls, [1]);
  });

  it('retries only the errors shouldRetry accepts', async () => {
    const transient = new Error('503');
    const permanent = new Error('404');
    const { attempt, calls } = failing([transient, permanent, transient]);
    const shouldRetry = (e: unknown) => e === transient;
    await assert.rejects(retry(attempt, { ...fast, attempts: 5, shouldRetry }), (thrown) => thrown === permanent);
    assert.deepEqual(calls, [1, 2]);
  });

  it('calls onRetry with the original error and attempt number for each retried failure, not the last', async () => {
    const errors = [new Error('e1'), new TypeError('e2'), new Error('e3')];
    const { attempt } = failing(errors);
    const retries: [unknown, number][] = [];
    await assert.rejects(retry(attempt, { ...fast, onRetry: (error, n) => retries.push([error, n]) }));
    assert.deepEqual(retries, [
      [errors[0], 1],
      [errors[1], 2],
    ]);
    assert.equal(retries[1]![0], errors[1]);
  });

  it('does not call onRetry when the first attempt succeeds after none failed', async () => {
    const retries: number[] = [];
    await retry(async () => 'ok', { ...fast, onRetry: (_e, n) => retries.push(n) });
    assert.deepEqual(retries, []);
  });

  it('makes no attempt when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    controller.abort(reason);
    const { attempt, calls } = failing([], 'never');
    await assert.rejects(retry(attempt, { ...fast, signal: controller.signal }), (thrown) => thrown === reason);
    assert.deepEqual(calls, []);
  });

  it('stops retrying once the signal is aborted after a failure', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline');
    const calls: number[] = [];
    const attempt = async (n: number) => {
      calls.push(n);
      if (n === 2) controller.abort(reason);
      throw new Error(`failure ${n}`);
    };
    const retries: number[] = [];
    await assert.rejects(
      retry(attempt, { ...fast, attempts: 10, signal: controller.signal, onRetry: (_e, n) => retries.push(n) }),
      (thrown) => thrown === reason,
    );
    assert.deepEqual(calls, [1, 2]);
    assert.deepEqual(retries, [1], 'no retry is announced for the attempt that saw the abort');
  });

  it('stops waiting between attempts when the signal is aborted', async () => {
    const controller = new AbortController();
    const { attempt, calls } = failing([new Error('down'), new Error('down')], 'late');
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 5);
    await assert.rejects(
      retry(attempt, { attempts: 3, firstDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal }),
      /cancelled/,
    );
    assert.deepEqual(calls, [1]);
    assert.ok(performance.now() - started < 5_000, 'did not wait for the one-minute delay');
  });
});
