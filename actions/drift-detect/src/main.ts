import { rm } from 'node:fs/promises';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { githubClient } from '@iac-actions/shared/github/client.ts';
import { readRunContext } from '@iac-actions/shared/github/run-context.ts';
import { driftWorkDir } from '@iac-actions/shared/terraform/drift-check.ts';
import { driftOutputs, runDriftDetect } from '@iac-actions/shared/terraform/drift-detect.ts';
import { readDriftDetectSettings } from '@iac-actions/shared/terraform/drift-inputs.ts';
import { terraformDataRoot } from '@iac-actions/shared/terraform/stack.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';

async function main(): Promise<void> {
  const { settings, secrets, token } = readDriftDetectSettings();
  const result = await runDriftDetect(settings, {
    context: readRunContext(),
    ...(settings.issue ? { octokit: await githubClient(token) } : {}),
    runnerTemp,
    secrets,
  });
  setOutputs(driftOutputs(result, settings.mode));
  if (result.failure) throw result.failure;
}

// Each stack removes its plan files; this catches what a killed run left, and
// Terraform's data directories, which hold the backend settings.
async function post(): Promise<void> {
  await rm(driftWorkDir(runnerTemp), { recursive: true, force: true });
  await rm(terraformDataRoot(runnerTemp), { recursive: true, force: true });
}

await run({ name: 'drift-detect', main, post });
