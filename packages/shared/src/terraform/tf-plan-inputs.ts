import { invalidInput } from '../action/action-error.ts';
import { readBoolean, readChoice, readDuration, readList, readMap, readSecret, readString } from '../action/inputs.ts';
import { maskSecret } from '../action/mask.ts';
import { compileMaskPatterns, MIN_SECRET_LENGTH } from './plan-mask.ts';
import type { TfPlanSettings } from './tf-plan.ts';

/**
 * Reads and checks every tf-plan input before anything runs. Variable values
 * and backend settings may be credentials: each is registered with the
 * runner's mask and returned, so that the comment is scrubbed of them too.
 * Values shorter than a secret can be (`on`, `3`) are not masked: they would
 * star out every word that contains them.
 */
export function readTfPlanSettings(): { settings: TfPlanSettings; secrets: string[] } {
  const destroy = readBoolean('destroy', false);
  const refreshOnly = readBoolean('refresh-only', false);
  if (destroy && refreshOnly)
    throw invalidInput('refresh-only', 'cannot be combined with `destroy: true`; choose one.');
  const variables = readMap('variables');
  const backendConfig = readList('backend-config');
  const secrets = [
    ...stringLeaves(variables),
    ...backendConfig.filter((item) => item.includes('=')).map((item) => item.slice(item.indexOf('=') + 1).trim()),
  ].filter((value) => value.length >= MIN_SECRET_LENGTH);
  secrets.forEach(maskSecret);
  const settings: TfPlanSettings = {
    tool: readChoice('tool', ['terraform', 'tofu'] as const, 'terraform'),
    version: readString('version'),
    mirrorUrl: readString('mirror-url'),
    workingDirectory: readString('working-directory', '.'),
    workspace: readString('workspace', 'default'),
    label: readString('label'),
    backendConfig,
    varFiles: readList('var-files'),
    variables,
    targets: readList('targets'),
    replace: readList('replace'),
    mode: destroy ? 'destroy' : refreshOnly ? 'refresh-only' : 'normal',
    lockTimeout: readDuration('lock-timeout', '2m'),
    comment: readChoice('comment', ['always', 'changes-only', 'off'] as const, 'always'),
    artifact: readBoolean('artifact', true),
    encryptionKey: readSecret('plan-encryption-key'),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
  };
  return { settings, secrets };
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}
