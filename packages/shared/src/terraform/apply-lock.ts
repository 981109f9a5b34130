import * as core from '../action/runner-commands.ts';
import { ActionError } from '../action/action-error.ts';
import { formatDuration } from '../util/duration.ts';
import type { TerraformCli } from './cli.ts';

// Applying while another run holds the state lock. Terraform's own
// -lock-timeout waits silently ("Acquiring state lock. This may take a few
// moments..."); here the wait is cut into slices, and after each the log says
// who holds the lock and since when, so that someone watching the job can go
// and release it. An apply that could not take the lock changed nothing, so
// trying again is safe.

const MIN_SLICE_MS = 1_000;
const MAX_SLICE_MS = 30_000;

export async function applyWithLockRetries(
  cli: TerraformCli,
  planFile: string,
  lockTimeoutMs: number,
): Promise<{ stdout: string }> {
  const deadline = Date.now() + lockTimeoutMs;
  const slice = Math.min(MAX_SLICE_MS, Math.max(MIN_SLICE_MS, lockTimeoutMs / 4));
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    try {
      return await cli.apply({ planFile, lockTimeout: Math.max(0, Math.min(slice, remaining)) });
    } catch (error) {
      if (!(error instanceof ActionError) || error.reason !== 'state-locked') throw error;
      if (Date.now() >= deadline) {
        throw new ActionError(
          `${error.message} Waited ${formatDuration(lockTimeoutMs)} (lock-timeout) over ${attempt} attempts.`,
          'state-locked',
          { cause: error },
        );
      }
      core.info(`${error.message} Waiting for it (attempt ${attempt}; lock-timeout ${formatDuration(lockTimeoutMs)}).`);
    }
  }
}
