import { rm } from 'node:fs/promises';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { readRunContext } from '@iac-actions/shared/github/run-context.ts';
import { terraformDataRoot } from '@iac-actions/shared/terraform/stack.ts';
import { runTfOutputs } from '@iac-actions/shared/terraform/tf-outputs.ts';
import { readTfOutputsSettings } from '@iac-actions/shared/terraform/tf-outputs-inputs.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';

async function main(): Promise<void> {
  const settings = readTfOutputsSettings();
  const result = await runTfOutputs(settings, { context: readRunContext(), runnerTemp });
  setOutputs({ 'outputs-json': result.outputs, outputs: result.count });
}

// Main removes the stack's data directory (the backend settings init was
// given); the post step also removes it when main was stopped half-way.
async function post(): Promise<void> {
  await rm(terraformDataRoot(runnerTemp), { recursive: true, force: true });
}

await run({ name: 'tf-outputs', main, post });
