import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { markdownTable } from '../action/summary.ts';
import { STAT_NAMES, totals, type PlayResults } from './play-results.ts';

// What ansible-deploy tells people and later steps: outputs and the job summary.

export function deployOutputs(results: PlayResults): Record<string, string | number> {
  const sum = totals(results);
  return {
    ok: sum.ok,
    changed: sum.changed,
    failed: sum.failed,
    unreachable: sum.unreachable,
    hosts: JSON.stringify(results.hosts),
    'changed-hosts': Object.entries(results.hosts)
      .filter(([, stats]) => stats.changed > 0)
      .map(([host]) => host)
      .join('\n'),
  };
}

export interface DeploySummaryContext {
  playbook: string;
  check: boolean;
  /** How many times the playbook ran (reruns for unreachable hosts included). */
  runs: number;
}

export function renderDeploySummary(results: PlayResults, context: DeploySummaryContext): string {
  const sum = totals(results);
  const hostCount = Object.keys(results.hosts).length;
  const bad = Object.values(results.hosts).filter((s) => s.failed > 0 || s.unreachable > 0).length;
  const icon = bad ? '❌' : '✅';
  const mode = context.check ? ' (check mode: nothing was changed)' : '';
  const lines = [
    `### ${icon} ansible-deploy: \`${context.playbook}\` on ${hostCount} host${hostCount === 1 ? '' : 's'}${mode}`,
    '',
    bad
      ? `${bad} of ${hostCount} host${hostCount === 1 ? '' : 's'} did not finish: ${sum.failed} failed, ${sum.unreachable} unreachable.`
      : `Every host finished; ${sum.changed} change${sum.changed === 1 ? '' : 's'}.`,
    context.runs > 1 ? `The playbook ran ${context.runs} times (reruns for unreachable hosts).` : '',
    '',
    markdownTable(
      ['Host', ...STAT_NAMES],
      Object.entries(results.hosts).map(([host, stats]) => [host, ...STAT_NAMES.map((name) => String(stats[name]))]),
    ),
    '',
  ];
  if (results.failures.length) {
    lines.push(
      '#### Failed tasks',
      '',
      markdownTable(
        ['Host', 'Task', 'Result', 'Message'],
        results.failures.map((f) => [f.host, f.task, f.kind, f.message.split('\n').slice(0, 5).join('\n')]),
      ),
      '',
    );
  }
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

/** One error annotation per failed or unreachable task, on the task's file and line when known. */
export function failureAnnotations(results: PlayResults, workspace: string) {
  return results.failures.map((failure) => ({
    message: failure.message || `${failure.kind} without a message`,
    properties: {
      title: `${failure.host}: ${failure.task} (${failure.kind})`,
      ...(failure.file ? { file: path.relative(workspace, failure.file) } : {}),
      ...(failure.line ? { startLine: failure.line } : {}),
    },
  }));
}

/** The step's failure when a host failed or was unreachable at the end. */
export function deployFailure(results: PlayResults): ActionError | undefined {
  const bad = Object.entries(results.hosts).filter(([, s]) => s.failed || s.unreachable);
  if (!bad.length) return undefined;
  const anyFailed = bad.some(([, s]) => s.failed);
  return new ActionError(
    `The playbook did not finish on ${bad.length} host${bad.length === 1 ? '' : 's'}: ${bad.map(([host, s]) => `${host} ${s.failed ? 'failed' : 'unreachable'}`).join(', ')}.`,
    anyFailed ? 'hosts-failed' : 'hosts-unreachable',
  );
}
