import path from 'node:path';
import * as core from '@actions/core';
import { createTerraformCli, type CommandRunner, type TerraformCli } from './cli.ts';
import { setupTerraform } from './install.ts';
import type { TerraformSettings } from './terraform-inputs.ts';

// A stack made ready for plan or apply, the same way in every Terraform
// action: the right version installed, `init` with the backend settings, the
// workspace selected.

export interface StackLocation {
  /** The root module, relative to the repository root. */
  workingDirectory: string;
  workspace: string;
}

/** Runs one named stage; tf-plan's records a failure for its comment, drift-detect's keeps stacks' logs apart. */
export type StageRunner = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/** The default stage: a collapsible group in the log. */
export const logGroupStage: StageRunner = (name, run) => core.group(name, run);

export interface PrepareStackOptions {
  workspaceRoot: string;
  runnerTemp: string;
  stage?: StageRunner;
  /** How Terraform is run (default: spawned, its output streamed to the log). */
  exec?: CommandRunner;
}

export interface PreparedStack {
  cli: TerraformCli;
  /** The installed version. */
  version: string;
  /** Absolute path of the root module. */
  stackDir: string;
}

export async function prepareStack(
  terraform: Pick<TerraformSettings, 'tool' | 'version' | 'mirrorUrl' | 'backendConfig'>,
  location: StackLocation,
  options: PrepareStackOptions,
): Promise<PreparedStack> {
  const stage = options.stage ?? logGroupStage;
  const stackDir = path.resolve(options.workspaceRoot, location.workingDirectory);
  const installed = await stage(`Set up ${terraform.tool}`, () =>
    setupTerraform({
      tool: terraform.tool,
      versionInput: terraform.version,
      mirrorUrl: terraform.mirrorUrl,
      workingDirectory: stackDir,
      workspaceRoot: options.workspaceRoot,
    }),
  );
  const cli = createTerraformCli({
    binary: installed.binaryPath,
    workingDirectory: stackDir,
    ...(options.exec ? { exec: options.exec } : {}),
  });
  // One provider cache for every stack of the job: a provider is downloaded once.
  const pluginCacheDir = path.join(options.runnerTemp, 'plugin-cache');
  await stage('init', () => cli.init({ backendConfig: terraform.backendConfig, pluginCacheDir }));
  await stage('workspace', () => cli.selectWorkspace(location.workspace));
  return { cli, version: installed.version, stackDir };
}
