import { rm } from 'node:fs/promises';
import { readSecret } from '@iac-actions/shared/action/inputs.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { githubClient } from '@iac-actions/shared/github/client.ts';
import { readRunContext } from '@iac-actions/shared/github/run-context.ts';
import { runTfApply } from '@iac-actions/shared/terraform/tf-apply.ts';
import { readTfApplySettings } from '@iac-actions/shared/terraform/tf-apply-inputs.ts';
import { tfPlanWorkDir } from '@iac-actions/shared/terraform/tf-plan.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';

async function main(): Promise<void> {
  const { settings, secrets } = readTfApplySettings();
  const token = readSecret('github-token');
  setOutputs({ applied: false });
  const result = await runTfApply(settings, {
    context: readRunContext(),
    ...(token ? { octokit: await githubClient(token) } : {}),
    token,
    runnerTemp,
    secrets,
  });
  setOutputs({
    applied: true,
    'plan-digest': result.digest,
    'outputs-json': result.outputs,
    'state-backup-artifact': result.stateBackupArtifact,
  });
}

// The decrypted plan and the state backup are removed by main; the post step
// also removes them when main was stopped half-way (a cancelled job).
async function post(): Promise<void> {
  await rm(tfPlanWorkDir(runnerTemp), { recursive: true, force: true });
}

await run({ name: 'tf-apply', main, post });
