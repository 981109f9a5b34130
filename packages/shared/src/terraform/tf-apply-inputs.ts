import path from 'node:path';
import { invalidInput } from '../action/action-error.ts';
import {
  readBoolean,
  readChoice,
  readDuration,
  readInteger,
  readList,
  readSecret,
  readString,
  repositoryRoot,
  resolvePathInput,
  runnerTempRoot,
} from '../action/inputs.ts';
import { compileMaskPatterns } from './plan-mask.ts';
import { checkStackFiles, readLabel, readStackLocation, readTerraformSettings } from './terraform-inputs.ts';
import type { TfApplySettings } from './tf-apply.ts';

/** Reads and checks every tf-apply input before anything runs. */
export function readTfApplySettings(): { settings: TfApplySettings; secrets: string[] } {
  const { terraform, secrets } = readTerraformSettings({ lockTimeout: '5m' });
  const location = readStackLocation();
  checkStackFiles(terraform, path.resolve(repositoryRoot().dir, location.workingDirectory));
  const planDigest = readString('plan-digest').toLowerCase();
  if (planDigest && !/^[0-9a-f]{64}$/.test(planDigest)) {
    throw invalidInput(
      'plan-digest',
      "must be a SHA-256 of 64 hex digits, as tf-plan's `plan-digest` output gives it.",
    );
  }
  const mode = readChoice('mode', ['artifact', 'replan-and-compare'] as const, 'artifact');
  const planDir = readString('plan-dir');
  // Checked to exist inside the checkout or the step's temp dir; kept as given for messages.
  if (planDir) resolvePathInput('plan-dir', planDir, 'directory', [repositoryRoot(), runnerTempRoot()]);
  const planRunText = readString('plan-run-id');
  if (mode === 'replan-and-compare' && (planDir || planRunText)) {
    throw invalidInput(
      planDir ? 'plan-dir' : 'plan-run-id',
      'cannot be used with `mode: replan-and-compare`, which keeps no plan: it plans again.',
    );
  }
  if (planDir && planRunText) throw invalidInput('plan-run-id', 'cannot be combined with `plan-dir`; choose one.');
  const settings: TfApplySettings = {
    ...terraform,
    ...location,
    label: readLabel(),
    mode,
    planDir,
    planRunId: planRunText ? readInteger('plan-run-id', 0, { min: 1 }) : undefined,
    maxPlanAge: readDuration('max-plan-age', '7d'),
    planDigest,
    encryptionKey: readSecret('plan-encryption-key'),
    backupState: readBoolean('backup-state', true),
    requirePrApproval: readBoolean('require-pr-approval', false),
    comment: readCommentMode(),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
  };
  return { settings, secrets };
}

/**
 * `comment`: `always` stamps the pull request's plan comment with the result,
 * `off` leaves it — the words tf-plan's `comment` takes (its `changes-only`
 * means nothing here). `true`/`false`, which earlier versions took, still do.
 */
function readCommentMode(): boolean {
  const text = readString('comment').toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  return readChoice('comment', ['always', 'off'] as const, 'always') === 'always';
}
