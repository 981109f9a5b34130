import type { ServiceReport } from './local-services.ts';

// What a local run prints after the step's log: how the step ended, its
// outputs, what it wrote to the GitHub API fake and the artifact service fake.

export interface StepEnd {
  action: string;
  mainExit: number | null;
  postExit?: number | null;
  durationMs: number;
}

export function formatEnd({ action, mainExit, postExit, durationMs }: StepEnd): string {
  const post = postExit === undefined ? '' : `, post ${describeExit(postExit)}`;
  return `== ${action}: ${describeExit(mainExit)}${post} (${(durationMs / 1000).toFixed(1)} s)`;
}

function describeExit(code: number | null): string {
  if (code === 0) return 'succeeded';
  return code === null ? 'killed (timed out or signalled)' : `failed with exit code ${code}`;
}

/** Each output in full (a later step gets it whole), continuation lines indented under its name. */
export function formatOutputs(outputs: Record<string, string>): string[] {
  const entries = Object.entries(outputs);
  if (!entries.length) return ['outputs: none'];
  const lines = ['outputs:'];
  for (const [name, value] of entries) {
    const [first = '', ...more] = value.split('\n');
    lines.push(`  ${name}: ${first}`);
    for (const line of more) lines.push(`  ${' '.repeat(name.length + 2)}${line}`);
  }
  return lines;
}

/** What the step wrote: comments and issues with their bodies, the API writes, the artifacts. */
export function formatServiceReport(report: ServiceReport): string[] {
  const lines: string[] = [];
  if (report.realApi) {
    lines.push(`GitHub API: ${report.realApi} (real: see the outputs, such as comment-url, for what was posted)`);
  } else if (!report.writes.length) {
    lines.push('GitHub API fake: nothing posted');
  } else {
    lines.push(`GitHub API fake: ${report.writes.length} write(s)`);
    for (const w of report.writes) lines.push(`  ${w.method} ${w.path} → ${w.status ?? 'no answer'}`);
    for (const issue of report.issues) {
      const labels = issue.labels.length ? `, labels ${issue.labels.join(', ')}` : '';
      lines.push(`issue #${issue.number} (${issue.state}${labels}): ${issue.title}`, `  ${issue.url}`);
      lines.push(...quote(issue.body));
    }
    for (const comment of report.comments) {
      lines.push(`comment on #${comment.issueNumber}${comment.edited ? ' (edited)' : ''}: ${comment.url}`);
      lines.push(...quote(comment.body));
    }
  }
  if (report.artifacts.length) {
    lines.push('artifacts uploaded to the artifact service fake:');
    for (const a of report.artifacts) {
      lines.push(`  ${a.name} (${a.size} bytes${a.finalized ? '' : ', not finalized'})`);
    }
  }
  return lines;
}

function quote(body: string): string[] {
  return body
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => `  │ ${line}`);
}
