import { spawn } from 'node:child_process';

// What every benchmark shares: contenders timed alternately in one run (so a
// slow moment of the machine hits both), a median of per-round ratios, goals
// judged PASS/MISS beside the figure, and aligned tables. A goal missed is
// printed, never thrown; a measurement that could not be made throws.

export function median(values: number[]): number {
  if (!values.length) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs each contender once per round, for `rounds` rounds, the order reversed
 * every other round (ABBA…) so neither always runs first; returns each one's
 * times in milliseconds, round by round (index i of every list is round i).
 */
export async function interleave<K extends string>(
  rounds: number,
  contenders: Record<K, () => Promise<unknown> | unknown>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const started = performance.now();
      await contenders[name]();
      times[name].push(performance.now() - started);
    }
  }
  return times;
}

/** The median of the per-round ratios `numerator[i] / denominator[i]`: each pair ran side by side. */
export function medianRatio(numerator: number[], denominator: number[]): number {
  return median(numerator.map((value, i) => value / denominator[i]!));
}

/** `PASS` when `value ≤ goal`, else `MISS`. */
export const verdict = (value: number, goal: number): string => (value <= goal ? 'PASS' : 'MISS');

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
export const times = (value: number): string => `${value.toFixed(2)}×`;
export const us = (value: number): string => `${value.toFixed(2)} µs`;

/** Prints a titled table with aligned columns. */
export function printTable(title: string, headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(headers));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of cells.slice(1)) console.log(line(r));
}

export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its exit, collecting its output; the caller times it and judges the result. */
export function runProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
