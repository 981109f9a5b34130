import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { createTerraformCli, type TerraformCli } from './cli.ts';
import type { CommandRunner } from '../util/command.ts';
import { setupTerraform, type SetupTerraformOptions, type SetupTerraformResult } from './install.ts';
import type { StackSetupSettings } from './terraform-inputs.ts';
import { findVersionConstraint } from './version-sources.ts';

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
  /** Create the workspace when it is missing (default); false: a missing one is `workspace-not-found`, for readers. */
  createWorkspace?: boolean;
  /** Makes the binary available (default: setupTerraform); `sharedSetup()` lets concurrent stacks share one install. */
  setup?: (options: SetupTerraformOptions) => Promise<SetupTerraformResult>;
}

export interface PreparedStack {
  cli: TerraformCli;
  /** The installed version. */
  version: string;
  /** Absolute path of the root module. */
  stackDir: string;
}

/**
 * Where Terraform keeps a stack's working data (TF_DATA_DIR: the backend
 * settings `init` was given, credentials included; the selected workspace;
 * modules and providers): under RUNNER_TEMP, 0700, never in the checkout,
 * and removed by the post step of every Terraform action.
 */
export function terraformDataRoot(runnerTemp: string): string {
  return path.join(runnerTemp, 'iac-actions', 'terraform-data');
}

/** The data directory of one stack directory (its workspaces share it, as they share `.terraform`). */
export function terraformDataDir(runnerTemp: string, stackDir: string): string {
  const id = createHash('sha256').update(path.resolve(stackDir)).digest('hex').slice(0, 16);
  return path.join(terraformDataRoot(runnerTemp), `${path.basename(stackDir).replace(/[^\w.-]/g, '_')}-${id}`);
}

export async function prepareStack(
  terraform: StackSetupSettings,
  location: StackLocation,
  options: PrepareStackOptions,
): Promise<PreparedStack> {
  const stage = options.stage ?? logGroupStage;
  const stackDir = path.resolve(options.workspaceRoot, location.workingDirectory);
  // `init` writes the backend settings it was given, credentials included,
  // into the data directory (`.terraform/terraform.tfstate`, 0644): kept out
  // of the checkout, where later steps and caches would find them.
  const dataDir = terraformDataDir(options.runnerTemp, stackDir);
  await mkdir(path.dirname(path.dirname(dataDir)), { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const setup = options.setup ?? setupTerraform;
  const installed = await stage(`Set up ${terraform.tool}`, () =>
    setup({
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
    env: { TF_DATA_DIR: dataDir },
    ...(terraform.timeout !== undefined ? { timeoutMs: terraform.timeout } : {}),
    ...(options.exec ? { exec: options.exec } : {}),
  });
  // One provider cache for every stack of the job: a provider is downloaded once.
  const pluginCacheDir = path.join(options.runnerTemp, 'plugin-cache');
  await stage('init', () => cli.init({ backendConfig: terraform.backendConfig, pluginCacheDir }));
  const create = options.createWorkspace ?? true;
  await stage('workspace', () => cli.selectWorkspace(location.workspace, { create }));
  return { cli, version: installed.version, stackDir };
}

/**
 * A setup that installs each tool, version constraint and mirror once,
 * however many stacks ask for it at the same time: concurrent installs of one
 * version would each download it and race in the tool cache. Installs run one
 * at a time, each in its own log group, so that their lines stay together.
 */
export function sharedSetup(
  setup: (options: SetupTerraformOptions) => Promise<SetupTerraformResult> = setupTerraform,
): (options: SetupTerraformOptions) => Promise<SetupTerraformResult> {
  const installs = new Map<string, Promise<SetupTerraformResult>>();
  let queue: Promise<unknown> = Promise.resolve();
  return async (options) => {
    const wanted = await findVersionConstraint(options);
    const key = JSON.stringify([options.tool, options.mirrorUrl ?? '', wanted?.constraint ?? '']);
    let install = installs.get(key);
    if (!install) {
      const title = `Set up ${options.tool}${wanted ? ` ${wanted.constraint}` : ''}`;
      install = queue.then(() => core.group(title, () => setup(options)));
      queue = install.catch(() => undefined);
      installs.set(key, install);
    }
    return install;
  };
}
