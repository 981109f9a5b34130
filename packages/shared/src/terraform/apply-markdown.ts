import { markdownTable, tableCell } from '../action/summary.ts';
import { fence, renderPlanSummary, stackTitle, type PlanReport } from './plan-markdown.ts';
import type { PassedCheck } from './plan-verify.ts';
import { toolDisplayName } from './release-index.ts';

// What tf-apply tells people: the job summary (what was verified, what was
// applied, the outputs), and the note on top of the pull request's plan
// comment once the plan was applied or refused.

export interface ApplyReport extends Omit<PlanReport, 'failure'> {
  mode: 'artifact' | 'replan-and-compare';
  pullRequest?: number;
  /** Where the plan came from, for people. */
  planSource?: string;
  /** The commit the plan was made for. */
  planCommit?: string;
  checks: PassedCheck[];
  applyStarted?: boolean;
  applied: boolean;
  /** Terraform's `Apply complete! Resources: …` line. */
  applyLine?: string;
  stateBackupArtifact?: string;
  outputNames?: string[];
  sensitiveOutputs?: string[];
  failure?: { reason: string; message: string };
  /** replan-and-compare found another plan: what differs from the reviewed comment. */
  differences?: PlanDifferences;
}

export function renderApplySummary(report: ApplyReport): string {
  const title = `## ${toolDisplayName(report.tool)} apply for ${stackTitle(report)}`;
  const parts = [title, outcome(report)];
  if (report.failure) parts.push(fence(report.failure.message));
  if (report.differences) parts.push(renderDifferences(report.differences));
  if (report.checks.length) {
    parts.push(
      '### Verified before applying',
      markdownTable(
        ['check', 'result'],
        report.checks.map((c) => [`✅ ${tableCell(c.check)}`, tableCell(c.detail)]),
      ),
    );
  }
  const facts = [
    report.planSource && `Plan from ${report.planSource}`,
    report.planCommit && `made for commit \`${report.planCommit.slice(0, 7)}\``,
    report.digest && `digest \`${report.digest.slice(0, 12)}\``,
    report.stateBackupArtifact && `state before the apply saved as artifact \`${report.stateBackupArtifact}\``,
    report.outputNames?.length && `outputs: ${report.outputNames.map((n) => `\`${n}\``).join(', ')}`,
    report.sensitiveOutputs?.length &&
      `sensitive outputs left out of \`outputs-json\`: ${report.sensitiveOutputs.map((n) => `\`${n}\``).join(', ')}`,
  ].filter(Boolean);
  if (facts.length) parts.push(facts.map((f) => `- ${f}`).join('\n'));
  const body = parts.join('\n\n');
  // The plan itself, as tf-plan summarised it: what changed (or would have).
  const plan = report.summary ? renderPlanSummary({ ...report, failure: undefined }, { title: '### The plan' }) : '';
  return `${body}\n\n${plan}`.trimEnd() + '\n';
}

function outcome(report: ApplyReport): string {
  if (report.applied) return `**✅ Applied.** ${report.applyLine ?? ''}`.trim();
  if (!report.failure) return '**Not applied.**';
  const verb = report.applyStarted ? 'Apply failed' : 'Refused: nothing was applied';
  return `**❌ ${verb}** (\`${report.failure.reason}\`).`;
}

/** The note on top of the plan comment. */
export function renderApplyNote(report: ApplyReport): string {
  const run = report.runUrl ? ` in [run](${report.runUrl})` : '';
  if (report.applied) {
    return `> [!TIP]\n> Applied${run} from commit \`${report.commitSha.slice(0, 7)}\`. ${report.applyLine ?? ''}`.trimEnd();
  }
  const firstLine = report.failure?.message.split('\n', 1)[0] ?? '';
  const verb = report.applyStarted ? 'Apply failed' : 'Apply refused';
  return `> [!CAUTION]\n> ${verb}${run} (\`${report.failure?.reason ?? 'unknown'}\`): ${firstLine}`;
}

export interface PlanDifferences {
  /** Lines (`Section: address`) in the reviewed plan only. */
  reviewedOnly: string[];
  /** Lines in the new plan only. */
  newOnly: string[];
}

/**
 * What differs between two plan comments, by their resource lists: each list
 * item under each section (`➕ Create (2): aws_s3_bucket.logs`). Both sides are
 * bodies renderPlanComment wrote, so one reader serves both.
 */
export function planDifferences(reviewedBody: string, newBody: string): PlanDifferences {
  const reviewed = resourceLines(reviewedBody);
  const fresh = resourceLines(newBody);
  return {
    reviewedOnly: [...reviewed].filter((line) => !fresh.has(line)),
    newOnly: [...fresh].filter((line) => !reviewed.has(line)),
  };
}

function resourceLines(body: string): Set<string> {
  const lines = new Set<string>();
  let section = '';
  for (const line of body.split('\n')) {
    const title = /<summary>(.+?)(?: \(\d[\d,]*\))?<\/summary>/.exec(line);
    if (title) section = title[1]!;
    const item = /^- (`[^`]+`.*)$/.exec(line);
    if (item && section && section !== 'Plan text') lines.add(`${section}: ${item[1]}`);
  }
  return lines;
}

function renderDifferences(differences: PlanDifferences): string {
  const list = (lines: string[]) => (lines.length ? lines.map((l) => `- ${l}`).join('\n') : '- (nothing)');
  return [
    '### What differs from the reviewed plan',
    '**In the reviewed plan, not in the new one:**',
    list(differences.reviewedOnly),
    '**In the new plan, not in the reviewed one:**',
    list(differences.newOnly),
  ].join('\n\n');
}
