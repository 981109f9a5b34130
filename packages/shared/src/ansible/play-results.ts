import { isRecord } from '../util/values.ts';

// What the iac_results callback plugin writes, read back, and how the runs of
// a deploy (the first, then reruns for unreachable hosts) add up.

export const STAT_NAMES = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'rescued', 'ignored'] as const;
export type HostStats = Record<(typeof STAT_NAMES)[number], number>;

export interface TaskFailure {
  host: string;
  task: string;
  kind: 'failed' | 'unreachable';
  message: string;
  /** The task's file and line, when Ansible knows them. */
  file: string;
  line: number | null;
}

export interface PlayResults {
  hosts: Record<string, HostStats>;
  failures: TaskFailure[];
}

/** Parses the plugin's JSON; throws a plain Error (a bug, not a user error) when it is not that. */
export function parseResults(text: string): PlayResults {
  const data: unknown = JSON.parse(text);
  if (!isRecord(data) || !isRecord(data.hosts) || !Array.isArray(data.failures)) {
    throw new Error('the results file of the iac_results callback has an unexpected shape');
  }
  const hosts: Record<string, HostStats> = {};
  for (const [host, stats] of Object.entries(data.hosts)) {
    const record = isRecord(stats) ? stats : {};
    hosts[host] = Object.fromEntries(STAT_NAMES.map((name) => [name, Number(record[name] ?? 0)])) as HostStats;
  }
  const failures = data.failures.filter(isRecord).map((f) => ({
    host: String(f.host ?? ''),
    task: String(f.task ?? ''),
    kind: f.kind === 'unreachable' ? ('unreachable' as const) : ('failed' as const),
    message: String(f.message ?? ''),
    file: String(f.file ?? ''),
    line: typeof f.line === 'number' ? f.line : null,
  }));
  return { hosts, failures };
}

export function unreachableHosts(results: PlayResults): string[] {
  return Object.entries(results.hosts)
    .filter(([, stats]) => stats.unreachable > 0)
    .map(([host]) => host);
}

/** The results after a rerun of some hosts: their stats and failures are the rerun's. */
export function mergeRerun(previous: PlayResults, rerun: PlayResults): PlayResults {
  const rerunHosts = new Set(Object.keys(rerun.hosts));
  return {
    hosts: { ...previous.hosts, ...rerun.hosts },
    failures: [...previous.failures.filter((f) => !rerunHosts.has(f.host)), ...rerun.failures],
  };
}

export function totals(results: PlayResults): HostStats {
  const sum = Object.fromEntries(STAT_NAMES.map((name) => [name, 0])) as HostStats;
  for (const stats of Object.values(results.hosts)) for (const name of STAT_NAMES) sum[name] += stats[name];
  return sum;
}
