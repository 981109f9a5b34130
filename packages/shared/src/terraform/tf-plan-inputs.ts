import path from 'node:path';
import { invalidInput } from '../action/action-error.ts';
import { readBoolean, readChoice, readList, readSecret, repositoryRoot } from '../action/inputs.ts';
import { compileMaskPatterns } from './plan-mask.ts';
import { checkStackFiles, readLabel, readStackLocation, readTerraformSettings } from './terraform-inputs.ts';
import type { TfPlanSettings } from './tf-plan.ts';

/** Reads and checks every tf-plan input before anything runs. */
export function readTfPlanSettings(): { settings: TfPlanSettings; secrets: string[] } {
  const destroy = readBoolean('destroy', false);
  const refreshOnly = readBoolean('refresh-only', false);
  if (destroy && refreshOnly)
    throw invalidInput('refresh-only', 'cannot be combined with `destroy: true`; choose one.');
  const { terraform, secrets } = readTerraformSettings({ lockTimeout: '5m' });
  const location = readStackLocation();
  checkStackFiles(terraform, path.resolve(repositoryRoot().dir, location.workingDirectory));
  const settings: TfPlanSettings = {
    ...terraform,
    ...location,
    label: readLabel(),
    targets: readAddresses('targets', { modules: true }),
    replace: readAddresses('replace', { modules: false }),
    mode: destroy ? 'destroy' : refreshOnly ? 'refresh-only' : 'normal',
    comment: readChoice('comment', ['always', 'changes-only', 'off'] as const, 'always'),
    artifact: readBoolean('artifact', true),
    encryptionKey: readSecret('plan-encryption-key'),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
  };
  return { settings, secrets };
}

// A resource address as `-target` / `-replace` take it: module path steps,
// then `[data.]type.name`, each with an optional index (`[0]`, `["key"]`).
// `-target` also takes a module alone.
const INDEX = String.raw`(\[(\d+|"[^"\\]*")\])?`;
const NAME = String.raw`[A-Za-z_][\w-]*`;
const MODULE_PATH = String.raw`(module\.${NAME}${INDEX}\.)*`;
const RESOURCE_ADDRESS = new RegExp(String.raw`^${MODULE_PATH}(data\.)?(?!module\.)${NAME}\.${NAME}${INDEX}$`);
const MODULE_ADDRESS = new RegExp(String.raw`^${MODULE_PATH}module\.${NAME}${INDEX}$`);

function readAddresses(name: string, { modules }: { modules: boolean }): string[] {
  return readList(name).map((address, index) => {
    if (RESOURCE_ADDRESS.test(address) || (modules && MODULE_ADDRESS.test(address))) return address;
    throw invalidInput(
      name,
      `line ${index + 1} is not a resource address${modules ? ' or module' : ''} (e.g. \`aws_instance.web\`, \`module.db.aws_db_instance.main[0]\`).`,
    );
  });
}
