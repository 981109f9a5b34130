import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { syntheticPlan } from '../test/terraform/synthetic-plan.ts';
import { median, ms, printTable } from './table.ts';

// The plan model (digest, masking, summary) and both renderers over synthetic
// plans, against JSON.parse of the same file: time (median of runs, the model
// measured after the parse) and the process's peak memory, a process with
// only the parse against one that also runs the model. Target: under 2x the
// parse time, linear growth.
const SIZES = [1_000, 10_000, 50_000];
const RUNS = 5;
const worker = path.join(import.meta.dirname, 'plan-model-worker.ts');

async function measure(file: string, what: 'parse' | 'model') {
  const parse: number[] = [];
  const model: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await promisify(execFile)(process.execPath, [worker, file, what], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout) as { parseMs: number; modelMs: number; maxRssKiB: number };
    parse.push(result.parseMs);
    model.push(result.modelMs);
    rss = Math.max(rss, result.maxRssKiB);
  }
  return { parseMs: median(parse), modelMs: median(model), rssMiB: rss / 1024 };
}

export async function benchPlanModel(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-plan-'));
  const rows: (string | number)[][] = [];
  try {
    for (const size of SIZES) {
      const file = path.join(dir, `plan-${size}.json`);
      await writeFile(file, JSON.stringify(syntheticPlan(size, { seed: size })));
      const parse = await measure(file, 'parse');
      const model = await measure(file, 'model');
      const mib = (await stat(file)).size / 1024 / 1024;
      rows.push([
        size.toLocaleString('en-US'),
        `${mib.toFixed(1)} MiB`,
        ms(parse.parseMs),
        ms(model.modelMs),
        `${(model.modelMs / parse.parseMs).toFixed(2)}×`,
        `${parse.rssMiB.toFixed(0)} MiB`,
        `${model.rssMiB.toFixed(0)} MiB`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  printTable(
    `Plan model + rendering vs JSON.parse (median of ${RUNS} fresh processes; target < 2×, linear)`,
    [
      'resources',
      'plan.json',
      'JSON.parse',
      'model + render',
      'model / parse',
      'peak RSS: parse only',
      'peak RSS: parse + model',
    ],
    rows,
  );
}
