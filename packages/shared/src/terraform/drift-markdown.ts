import { markdownTable } from '../action/summary.ts';
import { slackEscape, slackLink, slackMessage, type SlackMessage } from '../notify/slack-webhook.ts';
import { formatDuration } from '../util/duration.ts';
import type { DriftMode, DriftedResource, PlanOutcome, StackCheck } from './drift-check.ts';
import type { StackReport } from './drift-detect.ts';
import { COMMENT_LIMIT, planTextAsDiff, shortenMiddle, SUMMARY_LIMIT } from './plan-markdown.ts';
import { planHeadline } from './plan-summary.ts';
import type { ResourceAction } from './plan-types.ts';
import type { StackLocation } from './stack.ts';

// What drift-detect writes for people: the issue of a drifting stack, the
// comments of later runs, the job summary, and the webhook notification.
// Texts given here are already masked.

export interface DriftRunInfo {
  tool: 'terraform' | 'tofu';
  mode: DriftMode;
  repository: string;
  runId: string;
  runUrl: string;
  commitSha: string;
}

/** Room for the marker line drift-issue.ts puts on top of a body. */
export const ISSUE_BODY_LIMIT = COMMENT_LIMIT - 1_000;
/** Resources listed one by one; the rest are counted. */
const LIST_CAP = 200;

export function driftIssueTitle(location: StackLocation): string {
  return `Drift in \`${location.workingDirectory}\` (workspace \`${location.workspace}\`)`;
}

function toolName(tool: DriftRunInfo['tool']): string {
  return tool === 'tofu' ? 'OpenTofu' : 'Terraform';
}

function stackName(location: StackLocation): string {
  return `\`${location.workingDirectory}\` · workspace \`${location.workspace}\``;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function fence(text: string, language: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
}

function capped(lines: string[], cap = LIST_CAP): string {
  const rest = lines.length - cap;
  return rest > 0 ? [...lines.slice(0, cap), `- … and ${rest} more`].join('\n') : lines.join('\n');
}

function driftLine(resource: DriftedResource, tool: string): string {
  if (resource.change === 'deleted') return `- \`${resource.address}\` — deleted outside ${tool}`;
  const attributes = resource.attributes.map((a) => `\`${a}\``).join(', ');
  return `- \`${resource.address}\` — changed outside ${tool}${attributes ? `: ${attributes}` : ''}`;
}

const ACTION_WORDS: Record<ResourceAction, string> = {
  create: 'create',
  update: 'update in place',
  delete: 'destroy',
  replace: 'replace',
  read: 'read',
  forget: 'forget',
  'no-op': 'no change',
};

/** What drifted, in a few lines: the heart of the issue, the comments and the summary. */
function driftFindings(check: StackCheck, tool: string): string[] {
  const parts: string[] = [];
  if (check.drifted.length) {
    parts.push(
      `**${plural(check.drifted.length, 'resource')} changed outside ${tool}:**\n\n${capped(check.drifted.map((r) => driftLine(r, tool)))}`,
    );
  } else if (check.refreshOnly?.changes) {
    parts.push(`**The refresh-only plan would update the state** (outputs or other values changed outside ${tool}).`);
  }
  const full = check.full;
  if (full && (full.changes || full.summary.hasChanges)) {
    const lines = full.summary.resources.map((r) => `- \`${r.address}\` — ${ACTION_WORDS[r.action]}`);
    parts.push(
      `**Configuration not applied** — Plan: ${planHeadline(full.summary)}.${lines.length ? `\n\n${capped(lines)}` : ''}`,
    );
  }
  return parts;
}

function planBlock(title: string, outcome: PlanOutcome | undefined, budget: number): string | undefined {
  if (!outcome || budget < 500) return undefined;
  const text = shortenMiddle(outcome.text.trimEnd(), budget, 'the full plan is in the job log of the run');
  return `<details><summary>${title}</summary>\n\n${fence(planTextAsDiff(text), 'diff')}\n\n</details>`;
}

function footer(check: StackCheck, run: DriftRunInfo, verb: string): string {
  const parts = [
    `${verb} by [run ${run.runId}](${run.runUrl})`,
    run.commitSha && `commit \`${run.commitSha.slice(0, 7)}\``,
    `${toolName(run.tool)}${check.toolVersion ? ` ${check.toolVersion}` : ''}`,
    `mode \`${run.mode}\``,
  ].filter(Boolean);
  return `<sub>${parts.join(' · ')}</sub>`;
}

/** The issue of a drifting stack: what drifted, the plans (shortened to fit), what to do. */
export function renderDriftIssueBody(check: StackCheck, run: DriftRunInfo, limit = ISSUE_BODY_LIMIT): string {
  const tool = toolName(run.tool);
  const head = [
    `### ⚠️ Drift in ${stackName(check.location)}`,
    `The real infrastructure no longer matches what ${tool} expects. Found by a scheduled drift check.`,
    ...driftFindings(check, tool),
  ];
  const advice = [
    '#### What to do',
    `- **The change was wanted**: write it into the configuration, or record it in the state with \`${run.tool} apply -refresh-only\`.`,
    `- **It was not**: apply the configuration to undo it (\`${run.tool} apply\`).`,
    '',
    'This issue is updated by every run that still finds drift, and closed by the first run that finds none.',
  ].join('\n');
  const tail = footer(check, run, 'Last checked');
  const fixed = [...head, advice, tail].join('\n\n').length + 400;
  const plans = [
    planBlock('Refresh-only plan', check.refreshOnly, Math.floor((limit - fixed) / (check.full ? 2 : 1)) - 200),
    planBlock('Plan', check.full?.changes ? check.full : undefined, Math.floor((limit - fixed) / 2) - 200),
  ].filter((p): p is string => p !== undefined);
  return shortenMiddle([...head, ...plans, advice, tail].join('\n\n'), limit, 'see the job summary of the run');
}

/** The comment of a later run on an open (or reopened) issue. */
export function renderDriftComment(check: StackCheck, run: DriftRunInfo, action: 'updated' | 'reopened'): string {
  const tool = toolName(run.tool);
  const title =
    action === 'reopened'
      ? `**Drift is back**: [run ${run.runId}](${run.runUrl}) found ${stackName(check.location)} drifted again, so this issue is open again.`
      : `**Drift is still there**: [run ${run.runId}](${run.runUrl}) checked ${stackName(check.location)} again.`;
  const findings = driftFindings(check, tool).join('\n\n');
  return shortenMiddle(
    `${title}\n\n${findings}\n\nThe issue description shows the latest plans.`,
    ISSUE_BODY_LIMIT,
    'see the issue description',
  );
}

/** The comment that closes the issue. */
export function renderResolvedComment(check: StackCheck, run: DriftRunInfo): string {
  return `✅ **No drift**: [run ${run.runId}](${run.runUrl}) found ${stackName(check.location)} matching the real infrastructure again. Closing.`;
}

const STATUS: Record<StackCheck['status'], string> = {
  clean: '✅ clean',
  drifted: '⚠️ drifted',
  errored: '❌ failed',
};

/** `3 of 10 stacks drifted, 1 failed`, `no drift in 10 stacks`. */
export function driftHeadline(reports: readonly StackReport[]): string {
  const drifted = reports.filter((r) => r.status === 'drifted').length;
  const failed = reports.filter((r) => r.status === 'errored').length;
  const total = plural(reports.length, 'stack');
  if (drifted) return `${drifted} of ${total} drifted${failed ? `, ${failed} failed` : ''}`;
  return failed ? `no drift, ${failed} of ${total} failed` : `no drift in ${total}`;
}

function issueCell(report: StackReport): string {
  if (report.issueError) return 'not updated';
  if (!report.issue) return '';
  return `[#${report.issue.number}](${report.issue.url}) ${report.issue.action}`;
}

function notApplied(report: StackReport): string {
  const full = report.full;
  if (!full) return '';
  return full.changes || full.summary.hasChanges ? planHeadline(full.summary) : 'none';
}

/** The job summary: a table of every stack, then the details of each drifted or failed one. */
export function renderDriftSummary(reports: readonly StackReport[], run: DriftRunInfo, limit = SUMMARY_LIMIT): string {
  const tool = toolName(run.tool);
  const full = run.mode === 'full';
  const headers = [
    'Stack',
    'Workspace',
    'Status',
    `Drifted resources`,
    ...(full ? ['Not applied'] : []),
    'Issue',
    'Duration',
  ];
  const rows = reports.map((r) => [
    `\`${r.location.workingDirectory}\``,
    r.location.workspace,
    STATUS[r.status],
    r.status === 'errored' ? '' : String(r.drifted.length),
    ...(full ? [notApplied(r)] : []),
    issueCell(r),
    formatDuration(r.durationMs),
  ]);
  const head = [`## ${tool} drift check: ${driftHeadline(reports)}`, markdownTable(headers, rows)];
  const tail = `<sub>[Run ${run.runId}](${run.runUrl}) · ${run.commitSha ? `commit \`${run.commitSha.slice(0, 7)}\` · ` : ''}mode \`${run.mode}\`</sub>`;
  const noteworthy = reports.filter((r) => r.status !== 'clean' || r.issueError);
  let room = limit - Buffer.byteLength([...head, tail].join('\n\n')) - 1_000;
  const details: string[] = [];
  noteworthy.forEach((report, index) => {
    // Each stack gets an equal share of what is left, so the last ones are not crowded out.
    const share = Math.min(60_000, Math.floor(room / (noteworthy.length - index)));
    const block = stackDetails(report, tool, share);
    room -= Buffer.byteLength(block);
    details.push(block);
  });
  return [...head, ...details, tail].join('\n\n') + '\n';
}

function stackDetails(report: StackReport, tool: string, budget: number): string {
  const parts: string[] = [];
  if (report.failure) {
    const message = shortenMiddle(report.failure.message, Math.max(500, budget - 300), 'see the job log');
    parts.push(`**${report.failure.stage} failed** (\`${report.failure.reason}\`):\n\n${fence(message, '')}`);
  } else {
    parts.push(...driftFindings(report, tool));
    const plans = [
      planBlock('Refresh-only plan', report.refreshOnly, Math.floor(budget / 3)),
      planBlock('Plan', report.full?.changes ? report.full : undefined, Math.floor(budget / 3)),
    ].filter((p): p is string => p !== undefined);
    parts.push(...plans);
  }
  if (report.issueError) parts.push(`**Issue not updated:** ${report.issueError}`);
  const summary = `${STATUS[report.status]} — ${stackName(report.location)}`;
  return `<details><summary>${summary}</summary>\n\n${parts.join('\n\n')}\n\n</details>`;
}

/** The webhook message of a run that found drift or failures. */
export function renderDriftNotification(reports: readonly StackReport[], run: DriftRunInfo): SlackMessage {
  const name = (r: StackReport) =>
    `\`${slackEscape(r.location.workingDirectory)}\` (${slackEscape(r.location.workspace)})`;
  const drifted = reports
    .filter((r) => r.status === 'drifted')
    .map((r) => {
      const count = r.drifted.length ? ` — ${plural(r.drifted.length, 'resource')} changed` : '';
      const pending =
        r.full && (r.full.changes || r.full.summary.hasChanges)
          ? ` — not applied: ${slackEscape(planHeadline(r.full.summary))}`
          : '';
      const issue = r.issue ? ` — ${slackLink(r.issue.url, `#${r.issue.number}`)}` : '';
      return `${name(r)}${count}${pending}${issue}`;
    });
  const failed = reports
    .filter((r) => r.status === 'errored')
    .map((r) => `${name(r)} — ${slackEscape((r.failure?.message ?? 'failed').split('\n')[0] ?? '')}`);
  return slackMessage({
    title: `${toolName(run.tool)} drift check of ${run.repository}: ${driftHeadline(reports)}`,
    summary: `${plural(reports.length, 'stack')} checked by run ${slackEscape(run.runId)}.`,
    sections: [
      ...(drifted.length ? [{ heading: 'Drifted', items: drifted }] : []),
      ...(failed.length ? [{ heading: 'Failed', items: failed }] : []),
    ],
    footer: slackLink(run.runUrl, 'View the run'),
  });
}
