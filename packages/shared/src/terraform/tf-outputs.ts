import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { ActionError } from '../action/action-error.ts';
import { appendSummary } from '../action/summary.ts';
import type { RunContext } from '../github/run-context.ts';
import type { TerraformOutput } from './cli.ts';
import { renderOutputsSummary, type OutputsReport } from './outputs-markdown.ts';
import { maskTerraformValue } from './plan-mask.ts';
import { prepareStack, terraformDataDir, type StackLocation } from './stack.ts';
import type { StackSetupSettings } from './terraform-inputs.ts';
import { publicOutputs } from './terraform-outputs.ts';

// tf-outputs from start to end: make the stack ready as tf-apply does
// (install, init, workspace), read its root outputs without planning or
// applying anything, and publish them by tf-apply's rule: sensitive outputs
// and outputs named like secrets left out, their values masked.

export interface TfOutputsSettings extends StackSetupSettings, StackLocation {}

export interface TfOutputsDeps {
  context: Pick<RunContext, 'workspaceRoot'>;
  runnerTemp: string;
}

export interface TfOutputsResult {
  /** `terraform output -json`'s shape, the secret outputs left out. */
  outputs: Record<string, TerraformOutput>;
  /** How many outputs the stack has, the secret ones included. */
  count: number;
  /** Names of the outputs left out. */
  sensitive: string[];
}

export async function runTfOutputs(settings: TfOutputsSettings, deps: TfOutputsDeps): Promise<TfOutputsResult> {
  const report: OutputsReport = {
    tool: settings.tool,
    workingDirectory: settings.workingDirectory,
    workspace: settings.workspace,
    outputs: {},
    sensitive: [],
  };
  const stackDir = path.resolve(deps.context.workspaceRoot, settings.workingDirectory);
  try {
    const { cli, version } = await prepareStack(settings, settings, {
      workspaceRoot: deps.context.workspaceRoot,
      runnerTemp: deps.runnerTemp,
      // Reading creates nothing: a workspace that does not exist is a mistake to report.
      createWorkspace: false,
    });
    report.toolVersion = version;
    const all = await core.group('output', () => cli.outputJson());
    const { outputs, sensitive, secrets } = publicOutputs(all);
    // Before anything is printed: the values of the secret outputs are never shown.
    secrets.forEach(maskTerraformValue);
    Object.assign(report, { outputs, sensitive: sensitive.map((name) => ({ name, type: all[name]?.type })) });
    const count = Object.keys(all).length;
    if (!count) {
      core.warning(
        `${settings.workingDirectory} (workspace ${settings.workspace}) has no outputs: it declares none, or it was never applied.`,
      );
    }
    return { outputs, count, sensitive };
  } catch (error) {
    if (error instanceof ActionError) report.failure = { reason: error.reason, message: error.message };
    throw error;
  } finally {
    // The data directory holds the backend settings init was given, credentials included.
    await rm(terraformDataDir(deps.runnerTemp, stackDir), { recursive: true, force: true });
    await appendSummary(renderOutputsSummary(report)).catch((e: unknown) =>
      core.warning(`Could not write the job summary: ${String(e)}`),
    );
  }
}
