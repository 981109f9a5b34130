import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@iac-actions/shared/action/runner-commands.ts';
import { maskSecret } from '@iac-actions/shared/action/mask.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { appendSummary } from '@iac-actions/shared/action/summary.ts';
import { createDockerCli } from '@iac-actions/shared/docker/docker-cli.ts';
import { createDockerConfig, userDockerConfigDir } from '@iac-actions/shared/docker/docker-config.ts';
import { awsEcrRegistry } from '@iac-actions/shared/docker/ecr-registry.ts';
import { publish } from '@iac-actions/shared/docker/publish.ts';
import { readPublishInputs } from '@iac-actions/shared/docker/publish-inputs.ts';
import { publishOutputs, renderPublishSummary } from '@iac-actions/shared/docker/publish-report.ts';

const runnerTemp = process.env.RUNNER_TEMP ?? '/tmp';
// Where the credentials and build files of this run are; post removes them.
const TEMP_DIRS = 'temp-dirs';

async function main(): Promise<void> {
  const { settings, version, metadata, separators, warnings } = await readPublishInputs();
  warnings.forEach((warning) => core.warning(warning));
  const configDir = await createDockerConfig(
    runnerTemp,
    userDockerConfigDir(),
    settings.logins.filter((login) => login.method !== 'none').map((login) => login.host),
  );
  const workDir = await mkdtemp(path.join(runnerTemp, 'docker-publish-'));
  core.saveState(TEMP_DIRS, JSON.stringify([configDir, workDir]));
  const ecr = awsEcrRegistry();
  try {
    const result = await publish(settings, {
      cli: createDockerCli({ configDir }),
      ecr,
      workDir,
      mask: maskSecret,
      log: (line) => core.info(line),
      warn: (message) => core.warning(message),
      group: (title, fn) => core.group(title, fn),
    });
    const report = {
      version,
      labels: settings.labels,
      result,
      images: metadata.images,
      annotations: metadata.annotations,
      separators,
    };
    setOutputs(publishOutputs(report));
    await appendSummary(renderPublishSummary(report));
  } finally {
    ecr.destroy();
    // The credentials go as soon as the pushes are done; post is the fallback for a cancelled step.
    await removeTempDirs([configDir, workDir]);
  }
}

async function post(): Promise<void> {
  const saved = core.getState(TEMP_DIRS);
  if (saved) await removeTempDirs(JSON.parse(saved) as string[]);
}

async function removeTempDirs(dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

await run({ name: 'docker-publish', main, post });
