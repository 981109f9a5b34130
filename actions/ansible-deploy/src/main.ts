import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@iac-actions/shared/action/runner-commands.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { appendSummary } from '@iac-actions/shared/action/summary.ts';
import { runAnsibleDeploy } from '@iac-actions/shared/ansible/ansible-deploy.ts';
import { readDeployInputs } from '@iac-actions/shared/ansible/deploy-inputs.ts';
import {
  deployFailure,
  deployOutputs,
  failureAnnotations,
  renderDeploySummary,
} from '@iac-actions/shared/ansible/deploy-report.ts';
import { closeSshMasters, createControlDir } from '@iac-actions/shared/ansible/ssh-connections.ts';
import { spawnRunner } from '@iac-actions/shared/util/command.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';
const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
// The run's directory of key, vault password, known_hosts and vars files; post removes it.
const WORK_DIR = 'work-dir';
// The run's directory of SSH control sockets; post closes any master left there.
const CONTROL_DIR = 'control-dir';

async function main(): Promise<void> {
  const { settings, hostKeyWarning } = readDeployInputs();
  if (hostKeyWarning) core.warning(hostKeyWarning, { title: 'Host keys are not checked' });
  const workDir = await mkdtemp(path.join(runnerTemp, 'ansible-deploy-'));
  core.saveState(WORK_DIR, workDir);
  const controlDir = await createControlDir();
  core.saveState(CONTROL_DIR, controlDir);
  try {
    const { results, runs } = await runAnsibleDeploy(settings, {
      exec: spawnRunner(),
      workDir,
      controlDir,
      log: (line) => core.info(line),
      group: (title, fn) => core.group(title, fn),
    });
    setOutputs(deployOutputs(results));
    const playbook = path.relative(workspace, settings.playbook);
    await appendSummary(renderDeploySummary(results, { playbook, check: settings.check, runs }));
    for (const { message, properties } of failureAnnotations(results, workspace)) core.error(message, properties);
    const failure = deployFailure(results);
    if (failure) throw failure;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function post(): Promise<void> {
  const workDir = core.getState(WORK_DIR);
  if (workDir) await rm(workDir, { recursive: true, force: true });
  // A cancelled main may not have closed its SSH masters.
  const controlDir = core.getState(CONTROL_DIR);
  if (controlDir) await closeSshMasters(controlDir, spawnRunner());
}

await run({ name: 'ansible-deploy', main, post });
