import {
  readBoolean,
  readChoice,
  readList,
  readMap,
  readSecret,
  readString,
} from '@iac-actions/shared/action/inputs.ts';
import { invalidInput } from '@iac-actions/shared/action/action-error.ts';
import { maskSecret } from '@iac-actions/shared/action/mask.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { createOctokit } from '@iac-actions/shared/github/octokit.ts';
import { readRunContext } from '@iac-actions/shared/github/run-context.ts';
import { compileMaskPatterns } from '@iac-actions/shared/terraform/plan-mask.ts';
import { runTfPlan } from '@iac-actions/shared/terraform/tf-plan.ts';

async function main(): Promise<void> {
  const destroy = readBoolean('destroy', false);
  const refreshOnly = readBoolean('refresh-only', false);
  if (destroy && refreshOnly)
    throw invalidInput('refresh-only', 'cannot be combined with `destroy: true`; choose one.');
  const variables = Object.fromEntries(
    Object.entries(readMap('variables')).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  Object.values(variables).forEach(maskSecret);
  const settings = {
    tool: readChoice('tool', ['terraform', 'tofu'] as const, 'terraform'),
    version: readString('version'),
    mirrorUrl: readString('mirror-url'),
    workingDirectory: readString('working-directory', '.'),
    workspace: readString('workspace', 'default'),
    label: readString('label'),
    backendConfig: readList('backend-config'),
    varFiles: readList('var-files'),
    variables,
    targets: readList('targets'),
    replace: readList('replace'),
    mode: destroy ? ('destroy' as const) : refreshOnly ? ('refresh-only' as const) : ('normal' as const),
    lockTimeout: readString('lock-timeout', '2m'),
    comment: readChoice('comment', ['always', 'changes-only', 'off'] as const, 'always'),
    artifact: readBoolean('artifact', true),
    encryptionKey: readSecret('plan-encryption-key'),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
  };
  const token = readSecret('github-token');
  const result = await runTfPlan(settings, {
    context: readRunContext(),
    ...(token ? { octokit: createOctokit(token) } : {}),
    runnerTemp: process.env.RUNNER_TEMP ?? '/tmp',
  }).catch((error: unknown) => {
    setOutputs({ exitcode: 1 }); // as `plan -detailed-exitcode` reports an error
    throw error;
  });
  const c = result.summary.counts;
  setOutputs({
    changes: result.changes,
    'to-add': c.add,
    'to-change': c.change,
    'to-destroy': c.destroy,
    'to-replace': c.replace,
    'to-move': c.move,
    'to-import': c.import,
    'plan-digest': result.digest,
    'bundle-dir': result.bundleDir,
    'plan-path': result.paths.plan,
    'json-plan-path': result.paths.json,
    'text-plan-path': result.paths.text,
    'artifact-name': result.artifactName,
    'comment-url': result.commentUrl,
    exitcode: result.exitCode,
  });
}

await run({ name: 'tf-plan', main });
