import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import pLimit, { type LimitFunction } from 'p-limit';
import { ActionError } from '../action/action-error.ts';
import type { OutputValue } from '../action/outputs.ts';
import { appendSummary } from '../action/summary.ts';
import {
  driftIssueTracker,
  type DriftIssueOptions,
  type DriftIssueTracker,
  type IssueOutcome,
} from '../github/drift-issue.ts';
import type { GitHubClient } from '../github/octokit.ts';
import type { RunContext } from '../github/run-context.ts';
import { postSlackMessage, type WebhookDelivery } from '../notify/slack-webhook.ts';
import { formatDuration } from '../util/duration.ts';
import { checkStack, type DriftCheckDeps, type DriftCheckSettings, type StackCheck } from './drift-check.ts';
import {
  driftHeadline,
  driftIssueTitle,
  renderDriftComment,
  renderDriftIssueBody,
  renderDriftNotification,
  renderDriftSummary,
  renderResolvedComment,
  type DriftRunInfo,
} from './drift-markdown.ts';
import { expandStacks } from './drift-stacks.ts';
import { sharedSetup, type StackLocation } from './stack.ts';
import { checkStackFiles } from './terraform-inputs.ts';

// drift-detect from start to end: expand the stacks, check them concurrently
// (each on its own: one broken stack does not stop the others), keep one
// issue per stack in step as each finishes, then the job summary, the
// webhook, and the verdict.

export interface DriftDetectSettings extends DriftCheckSettings {
  /** Lines of `working-directories`: paths or globs, `!` to leave out. */
  workingDirectories: string[];
  workspaces: string[];
  concurrency: number;
  issue: boolean;
  issueLabel: string;
  failOnDrift: boolean;
  /** A Slack-compatible incoming webhook URL (secret); '' for none. */
  notifyWebhook: string;
}

export interface DriftDetectDeps {
  /** Values the inputs hold that must not reach GitHub or the webhook (variables, backend settings). */
  secrets: string[];
  context: RunContext;
  /** Needed when `issue` is on. */
  octokit?: GitHubClient;
  runnerTemp: string;
  /** How Terraform runs; default: spawned. */
  exec?: DriftCheckDeps['exec'];
  /** Backoff of issue creates that failed after reaching GitHub; default 1 s doubling. */
  issueRetry?: DriftIssueOptions['retry'];
  /** Backoff of the webhook; default 1 s doubling, 4 attempts. */
  webhook?: Omit<WebhookDelivery, 'onRetry'>;
}

/** One stack's check and what became of its issue. */
export interface StackReport extends StackCheck {
  issue?: IssueOutcome;
  /** Why its issue could not be updated. */
  issueError?: string;
}

export interface DriftDetectResult {
  stacks: StackReport[];
  drifted: boolean;
  /** The step's failure, to throw once the outputs are set: a failed stack, an issue not updated, or drift with `fail-on-drift`. */
  failure?: ActionError;
}

export async function runDriftDetect(settings: DriftDetectSettings, deps: DriftDetectDeps): Promise<DriftDetectResult> {
  const { context } = deps;
  const stacks = await expandStacks(settings.workingDirectories, settings.workspaces, context.workspaceRoot);
  // Every stack's files are checked before the first one runs.
  for (const dir of new Set(stacks.map((s) => s.workingDirectory))) {
    checkStackFiles(settings, path.resolve(context.workspaceRoot, dir), ` (in ${dir})`);
  }
  core.info(
    `Checking ${stacks.length} stack${stacks.length === 1 ? '' : 's'} for drift (mode ${settings.mode}), ${settings.concurrency} at a time.`,
  );
  const run: DriftRunInfo = {
    tool: settings.tool,
    mode: settings.mode,
    repository: context.repository,
    runId: context.runId,
    runUrl: context.runUrl,
    commitSha: context.commitSha,
  };
  const tracker =
    settings.issue && deps.octokit
      ? driftIssueTracker(
          deps.octokit,
          { owner: context.owner, repo: context.repo, label: settings.issueLabel },
          { runId: context.runId, ...(deps.issueRetry ? { retry: deps.issueRetry } : {}) },
        )
      : undefined;
  const checkDeps: DriftCheckDeps = {
    workspaceRoot: context.workspaceRoot,
    runnerTemp: deps.runnerTemp,
    secrets: deps.secrets,
    setup: sharedSetup(),
    ...(deps.exec ? { exec: deps.exec } : {}),
  };

  const slots = pLimit(settings.concurrency);
  // Terraform keeps the selected workspace and `.terraform` in the directory:
  // the workspaces of one directory take turns.
  const directories = new Map<string, LimitFunction>();
  const turnOf = (dir: string) => directories.get(dir) ?? directories.set(dir, pLimit(1)).get(dir)!;
  // Issue updates one at a time, as GitHub asks of writes, while other stacks still plan.
  const issueUpdates = pLimit(1);
  const reports = await Promise.all(
    stacks.map((location) =>
      turnOf(location.workingDirectory)(() => slots(() => checkStack(settings, location, checkDeps))).then((check) => {
        printStack(check);
        return issueUpdates(() => updateIssue(tracker, check, run));
      }),
    ),
  );

  await appendSummary(renderDriftSummary(reports, run)).catch((e: unknown) =>
    core.warning(`Could not write the job summary: ${String(e)}`),
  );
  const drifted = reports.filter((r) => r.status === 'drifted');
  const errored = reports.filter((r) => r.status === 'errored');
  // The step's own error names a single failed stack; several get one annotation each.
  if (errored.length > 1) {
    for (const report of errored) {
      core.error(`${describeStack(report.location)}: ${firstLine(report.failure?.message ?? 'failed')}`);
    }
  }
  if (settings.notifyWebhook && (drifted.length || errored.length)) {
    await notify(settings.notifyWebhook, reports, run, deps.webhook);
  }
  core.info(`Drift check: ${driftHeadline(reports)}.`);
  const failure = verdict(reports, settings.failOnDrift);
  return { stacks: reports, drifted: drifted.length > 0, ...(failure ? { failure } : {}) };
}

/** A stack's log, whole, once it is done: concurrent stacks never mix their lines. */
function printStack(check: StackCheck): void {
  const status = check.status === 'errored' ? `failed at ${check.failure?.stage}` : check.status;
  core.startGroup(`${describeStack(check.location)}: ${status} (${formatDuration(check.durationMs)})`);
  core.info(check.log.trimEnd());
  core.endGroup();
}

async function updateIssue(
  tracker: DriftIssueTracker | undefined,
  check: StackCheck,
  run: DriftRunInfo,
): Promise<StackReport> {
  const report: StackReport = { ...check };
  // A stack that could not be checked says nothing about drift: its issue stays as it is.
  if (!tracker || check.status === 'errored') return report;
  try {
    const outcome =
      check.status === 'drifted'
        ? await tracker.reportDrift(check.location, {
            title: driftIssueTitle(check.location),
            body: renderDriftIssueBody(check, run),
            comment: (action) => renderDriftComment(check, run, action),
          })
        : await tracker.reportClean(check.location, renderResolvedComment(check, run));
    if (outcome) {
      report.issue = outcome;
      core.info(`${describeStack(check.location)}: issue #${outcome.number} ${outcome.action}: ${outcome.url}`);
    }
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    report.issueError = error.message;
  }
  return report;
}

async function notify(
  url: string,
  reports: StackReport[],
  run: DriftRunInfo,
  delivery: DriftDetectDeps['webhook'],
): Promise<void> {
  try {
    await postSlackMessage(url, renderDriftNotification(reports, run), {
      ...delivery,
      onRetry: (reason, attempt) =>
        core.info(`The drift notification failed (${reason}); sending it again (attempt ${attempt + 1}).`),
    });
    core.info('Sent the drift notification to the webhook.');
  } catch (error) {
    // The issues and the summary have it all: a chat message that did not go out fails nothing.
    core.warning(`Could not send the drift notification: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The failure of the step, if any: failed stacks first, then issues not updated, then drift when asked to fail on it. */
export function verdict(reports: readonly StackReport[], failOnDrift: boolean): ActionError | undefined {
  const errored = reports.filter((r) => r.status === 'errored');
  if (errored.length === 1) {
    const [only] = errored;
    return new ActionError(
      `${describeStack(only!.location)} could not be checked: ${firstLine(only!.failure?.message ?? 'failed')}`,
      'stack-failed',
    );
  }
  if (errored.length) {
    return new ActionError(
      `${errored.length} of ${reports.length} stacks could not be checked: ${errored.map((r) => describeStack(r.location)).join(', ')}. The job summary has their errors.`,
      'stack-failed',
    );
  }
  const issueErrors = [...new Set(reports.flatMap((r) => (r.issueError ? [r.issueError] : [])))];
  if (issueErrors.length) {
    const more = issueErrors.length > 1 ? ` (and ${issueErrors.length - 1} more; the job summary lists them)` : '';
    return new ActionError(`${firstLine(issueErrors[0]!)}${more}`, 'issue-update-failed');
  }
  const drifted = reports.filter((r) => r.status === 'drifted');
  if (failOnDrift && drifted.length) {
    return new ActionError(
      `Drift in ${drifted.length} of ${reports.length} stacks: ${drifted.map((r) => describeStack(r.location)).join(', ')}.`,
      'drift-detected',
    );
  }
  return undefined;
}

/** The outputs of a run, for later steps. */
export function driftOutputs(result: DriftDetectResult, mode: DriftCheckSettings['mode']): Record<string, OutputValue> {
  return {
    drifted: result.drifted,
    'drifted-stacks': result.stacks
      .filter((r) => r.status === 'drifted')
      .map((r) => ({
        workingDirectory: r.location.workingDirectory,
        workspace: r.location.workspace,
        counts: {
          drifted: r.drifted.length,
          ...(mode === 'full' && r.full
            ? {
                add: r.full.summary.counts.add,
                change: r.full.summary.counts.change,
                destroy: r.full.summary.counts.destroy,
              }
            : {}),
        },
        resources: r.drifted.map((d) => d.address),
        ...(r.issue ? { issueUrl: r.issue.url } : {}),
      })),
    'errored-stacks': result.stacks
      .filter((r) => r.status === 'errored')
      .map((r) => ({
        workingDirectory: r.location.workingDirectory,
        workspace: r.location.workspace,
        stage: r.failure?.stage ?? '',
        reason: r.failure?.reason ?? '',
        error: firstLine(r.failure?.message ?? ''),
      })),
  };
}

function describeStack(location: StackLocation): string {
  return `${location.workingDirectory} (workspace ${location.workspace})`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
