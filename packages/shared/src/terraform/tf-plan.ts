import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { ActionError } from '../action/action-error.ts';
import { appendSummary } from '../action/summary.ts';
import { uploadPlanBundle, planArtifactName } from '../github/plan-artifact.ts';
import type { GitHubClient } from '../github/octokit.ts';
import type { RunContext } from '../github/run-context.ts';
import { describeGitHubError, statusOf } from '../github/create-once.ts';
import { publishStickyComment } from '../github/sticky-comment.ts';
import type { TerraformCli } from './cli.ts';
import { reportDiagnostics } from './diagnostics.ts';
import { writePlanBundle } from './plan-bundle.ts';
import { planDigest } from './plan-digest.ts';
import { renderPlanComment, renderPlanSummary, stackReport, type PlanReport } from './plan-markdown.ts';
import {
  outdatedPlanBody,
  readPlanMarker,
  renderPlanMarker,
  samePlan,
  sameStack,
  type PlanMarker,
} from './plan-marker.ts';
import { maskText, registerPlanSecrets } from './plan-mask.ts';
import { summarizePlan } from './plan-summary.ts';
import { prepareStack, type StackLocation } from './stack.ts';
import { backendSecrets, type TerraformSettings } from './terraform-inputs.ts';
import type { JsonPlan, PlanSummary } from './plan-types.ts';

// tf-plan from start to end: install, init, workspace, validate, plan, show;
// then mask, summarise, keep the bundle, and report in the PR comment and
// the job summary — also when a stage fails.

export interface TfPlanSettings extends TerraformSettings, StackLocation {
  label: string;
  targets: string[];
  replace: string[];
  mode: 'normal' | 'destroy' | 'refresh-only';
  comment: 'always' | 'changes-only' | 'off';
  artifact: boolean;
  encryptionKey: string;
  maskPatterns: RegExp[];
}

export interface TfPlanDeps {
  /** Values the inputs hold that must not reach the comment (variables, backend settings). */
  secrets: string[];
  context: RunContext;
  /** Absent when there is no token: no comment. */
  octokit?: GitHubClient;
  runnerTemp: string;
}

export interface TfPlanResult {
  summary: PlanSummary;
  changes: boolean;
  exitCode: 0 | 2;
  digest: string;
  bundleDir: string;
  paths: { plan: string; json: string; text: string };
  artifactName?: string;
  commentUrl?: string;
  /** The plan succeeded, and then reporting it failed (the PR comment): the step fails after setting its outputs. */
  failure?: ActionError;
}

/** Where tf-plan keeps plan files and bundles; the post step removes it. */
export function tfPlanWorkDir(runnerTemp: string): string {
  return path.join(runnerTemp, 'iac-actions');
}

export async function runTfPlan(settings: TfPlanSettings, deps: TfPlanDeps): Promise<TfPlanResult> {
  const { context } = deps;
  const artifactName = planArtifactName(settings);
  const report: PlanReport = {
    ...stackReport(settings, context),
    summaryUrl: `${context.runUrl}#summary`,
  };
  // The runner masks logs and summaries, not what is posted through the API:
  // every text for the comment goes through maskText with these.
  const secrets = [...deps.secrets];
  const workDir = tfPlanWorkDir(deps.runnerTemp);
  const planFile = path.join(workDir, `${artifactName}.tfplan`);
  try {
    const { cli, version, stackDir } = await prepareStack(settings, settings, {
      workspaceRoot: context.workspaceRoot,
      runnerTemp: deps.runnerTemp,
      stage: (name, run) => stage(report, name, run),
    });
    report.toolVersion = version;
    await validate(cli, report, stackDir, context.workspaceRoot);

    // 0700: the plan file Terraform writes there holds every secret of the plan.
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const bundleDir = path.join(workDir, artifactName);
    if (existsSync(bundleDir)) {
      throw new ActionError(
        `${settings.workingDirectory} (workspace ${settings.workspace}) was already planned in this job; give each plan its own \`label\`.`,
        'invalid-input',
      );
    }
    const planned = await stage(report, 'plan', () =>
      cli.plan({
        out: planFile,
        vars: settings.variables,
        varFiles: settings.varFiles,
        targets: settings.targets,
        replace: settings.replace,
        mode: settings.mode,
        lockTimeout: settings.lockTimeout,
      }),
    );
    const jsonPlanText = await stage(report, 'show', () => cli.showJson(planFile));
    const plan = JSON.parse(jsonPlanText) as JsonPlan;
    const digest = planDigest(plan);
    // The summary holds no values: it is made from the plan itself, and only its secrets are needed here.
    secrets.push(...registerPlanSecrets(plan, { patterns: settings.maskPatterns }));
    const summary = summarizePlan(plan);
    const textPlan = maskText(await stage(report, 'show', () => cli.showText(planFile)), secrets);
    core.startGroup('Plan');
    core.info(textPlan);
    core.endGroup();

    const bundle = await writePlanBundle(bundleDir, {
      planFile,
      jsonPlanText,
      textPlan,
      encryptionKey: settings.encryptionKey || undefined,
      meta: {
        planDigest: digest,
        commitSha: context.commitSha,
        pullRequest: context.pullRequest?.number ?? null,
        workingDirectory: settings.workingDirectory,
        workspace: settings.workspace,
        tool: settings.tool,
        toolVersion: version,
        runId: Number(context.runId),
        runAttempt: Number(context.runAttempt),
        repository: context.repository,
        // The plan's own timestamp, which tf-apply reads back from the plan file to check this one.
        createdAt: new Date(plan.timestamp ?? Date.now()).toISOString(),
      },
    });
    // overwrite: a re-run of the plan job replaces its own artifact.
    if (settings.artifact) {
      if (!settings.encryptionKey) {
        core.warning(
          `The plan artifact holds the plan and its JSON unencrypted, with every secret of the plan${backendSecrets(settings.backendConfig).length ? ' — and the credentials of `backend-config`, which Terraform keeps in the plan file —' : ''}, readable by anyone who can read this repository. Set \`plan-encryption-key\` to encrypt them.`,
        );
      }
      const uploaded = await stage(report, 'Upload the plan bundle', () =>
        uploadPlanBundle(artifactName, bundleDir, { overwrite: true }),
      );
      Object.assign(report, { artifactName, artifactUrl: `${context.runUrl}/artifacts/${uploaded.id}` });
    }
    Object.assign(report, { summary, planText: textPlan, digest });
    const changes = summary.hasChanges || (settings.mode === 'refresh-only' && summary.drift.length > 0);
    let failure: ActionError | undefined;
    const commentUrl = await comment(settings, deps, report, changes).catch((error: unknown) => {
      if (!(error instanceof ActionError)) throw error;
      failure = error;
      return undefined;
    });
    return {
      summary,
      changes,
      exitCode: planned.changes ? 2 : 0,
      digest,
      bundleDir,
      paths: bundle.paths,
      ...(settings.artifact ? { artifactName } : {}),
      ...(commentUrl ? { commentUrl } : {}),
      ...(failure ? { failure } : {}),
    };
  } catch (error) {
    if (error instanceof ActionError) {
      report.failure ??= { stage: 'tf-plan', message: error.message };
      report.failure.message = maskText(report.failure.message, secrets);
      await comment(settings, deps, report, true).catch((e: unknown) =>
        core.warning(`Could not update the PR comment: ${String(e)}`),
      );
    }
    throw error;
  } finally {
    // The clear plan file: the bundle has its own copy (encrypted when a key is set).
    await rm(planFile, { force: true });
    await appendSummary(renderPlanSummary(report)).catch((e: unknown) =>
      core.warning(`Could not write the job summary: ${String(e)}`),
    );
  }
}

/** Runs one stage; on a user error, records it for the comment and summary. */
async function stage<T>(report: PlanReport, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await core.group(name, run);
  } catch (error) {
    if (error instanceof ActionError) report.failure = { stage: name, message: error.message };
    throw error;
  }
}

async function validate(cli: TerraformCli, report: PlanReport, stackDir: string, workspaceRoot: string) {
  const result = await stage(report, 'validate', () => cli.validate());
  const markdown = reportDiagnostics(result.diagnostics, { workingDirectory: stackDir, workspaceRoot });
  if (!result.valid) {
    report.failure = { stage: 'validate', message: markdown, markdown: true };
    throw new ActionError(
      `The configuration in ${report.workingDirectory} is not valid; see the annotations.`,
      'validate-failed',
    );
  }
}

async function comment(settings: TfPlanSettings, deps: TfPlanDeps, report: PlanReport, changes: boolean) {
  const pr = deps.context.pullRequest;
  if (!pr || settings.comment === 'off' || (settings.comment === 'changes-only' && !changes)) return undefined;
  if (pr.fromFork) {
    core.warning(
      'No PR comment: a pull request from a fork gets a read-only token. The plan is in the job summary of this run.',
    );
    return undefined;
  }
  if (!deps.octokit) {
    core.warning('No PR comment: `github-token` is empty. The plan is in the job summary of this run.');
    return undefined;
  }
  const marker: PlanMarker = {
    workingDirectory: settings.workingDirectory,
    workspace: settings.workspace,
    label: settings.label,
    commitSha: report.commitSha,
    runId: deps.context.runId,
    status: report.failure ? 'failed' : 'planned',
    ...(report.digest ? { digest: report.digest } : {}),
    ...(report.artifactName ? { artifactName: report.artifactName } : {}),
  };
  const result = await publishStickyComment(
    deps.octokit,
    { owner: deps.context.owner, repo: deps.context.repo, issueNumber: pr.number },
    {
      body: renderPlanComment(report, renderPlanMarker(marker)),
      readMarker: readPlanMarker,
      isCurrent: (m) => sameStack(m, marker) && samePlan(m, marker) && m.status !== 'outdated',
      isSuperseded: (m) => sameStack(m, marker) && !samePlan(m, marker) && m.status !== 'outdated',
      outdatedBody: (c) => outdatedPlanBody(c.body, marker),
    },
  ).catch((error: unknown) => {
    const status = statusOf(error);
    // Octokit gives every failed request a status (500 when no answer came); anything else is a bug.
    if (status === undefined && (error as Error | undefined)?.name !== 'GraphqlResponseError') throw error;
    // A read-only token (the repository's default, Dependabot) must not fail a good plan.
    if (status === 403 || status === 404) {
      core.warning(
        `No PR comment: the token may not write to pull requests (HTTP ${status}). Give the job \`permissions: pull-requests: write\`.`,
      );
      return undefined;
    }
    throw new ActionError(
      `Could not post the plan comment on #${pr.number}: GitHub kept failing (${describeGitHubError(error)}). The plan's outputs are set and the job summary has the plan; run the job again to post the comment.`,
      'github-api-failed',
      { cause: error },
    );
  });
  if (!result) return undefined;
  core.info(`${result.created ? 'Posted' : 'Updated'} the plan comment: ${result.comment.url}`);
  return result.comment.url;
}
