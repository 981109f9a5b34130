import { invalidInput } from '../action/action-error.ts';
import { readBoolean, readChoice, readList, readSecret, readString } from '../action/inputs.ts';
import { compileMaskPatterns } from './plan-mask.ts';
import { readTerraformSettings } from './terraform-inputs.ts';
import type { TfPlanSettings } from './tf-plan.ts';

/** Reads and checks every tf-plan input before anything runs. */
export function readTfPlanSettings(): { settings: TfPlanSettings; secrets: string[] } {
  const destroy = readBoolean('destroy', false);
  const refreshOnly = readBoolean('refresh-only', false);
  if (destroy && refreshOnly)
    throw invalidInput('refresh-only', 'cannot be combined with `destroy: true`; choose one.');
  const { terraform, secrets } = readTerraformSettings({ lockTimeout: '2m' });
  const settings: TfPlanSettings = {
    ...terraform,
    workingDirectory: readString('working-directory', '.'),
    workspace: readString('workspace', 'default'),
    label: readString('label'),
    targets: readList('targets'),
    replace: readList('replace'),
    mode: destroy ? 'destroy' : refreshOnly ? 'refresh-only' : 'normal',
    comment: readChoice('comment', ['always', 'changes-only', 'off'] as const, 'always'),
    artifact: readBoolean('artifact', true),
    encryptionKey: readSecret('plan-encryption-key'),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
  };
  return { settings, secrets };
}
