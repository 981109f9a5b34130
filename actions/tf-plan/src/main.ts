import { rm } from 'node:fs/promises';
import { readSecret } from '@iac-actions/shared/action/inputs.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { githubClient } from '@iac-actions/shared/github/client.ts';
import { readRunContext } from '@iac-actions/shared/github/run-context.ts';
import { readTfPlanSettings } from '@iac-actions/shared/terraform/tf-plan-inputs.ts';
import { runTfPlan, tfPlanWorkDir } from '@iac-actions/shared/terraform/tf-plan.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';

async function main(): Promise<void> {
  const { settings, secrets } = readTfPlanSettings();
  const token = readSecret('github-token');
  const result = await runTfPlan(settings, {
    context: readRunContext(),
    ...(token ? { octokit: await githubClient(token) } : {}),
    runnerTemp,
    secrets,
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
  // The plan is good and its outputs are set; reporting it failed (the PR comment).
  if (result.failure) throw result.failure;
}

// The bundle stays for later steps of the job; after the job, nothing of the
// plan (it holds secrets) stays on the runner, nor Terraform's data
// directory, which holds the backend settings (terraformDataRoot is inside).
async function post(): Promise<void> {
  await rm(tfPlanWorkDir(runnerTemp), { recursive: true, force: true });
}

await run({ name: 'tf-plan', main, post });
