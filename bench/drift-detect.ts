import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../test/harness/run-action.ts';
import { installTerraformDouble, setDirectoryKnobs } from '../test/terraform-double/index.ts';
import { interleave, median, medianRatio, ms, printTable, times, verdict } from './measure.ts';

// drift-detect over many stacks through the committed bundle, the Terraform
// CLI double answering each command after a delay (init, plan, show a stack):
// the speed-up is the step's wall time at concurrency 1 over its wall time at
// concurrency N, the runs alternating across rounds. Every fifth stack
// drifts; issues are off (no GitHub).
const STACKS = 24;
const DELAY_MS = 500;
const ROUNDS = 2;
const CONCURRENCIES = ['1', '4', '8'] as const;
/** Share of the ideal speed-up (N) to reach: stacks are independent, so little should be lost. */
const EFFICIENCY_GOAL = 0.8;

export async function benchDriftDetect(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-drift-'));
  const checkout = path.join(dir, 'checkout');
  for (let i = 0; i < STACKS; i++) {
    const stack = path.join(checkout, 'stacks', `s${String(i).padStart(2, '0')}`);
    await mkdir(stack, { recursive: true });
    await writeFile(path.join(stack, 'main.tf'), 'terraform {}\n');
    await setDirectoryKnobs(stack, { scenario: i % 5 === 0 ? 'drift_refresh_only' : 'no_changes' });
  }
  const env = await installTerraformDouble(path.join(dir, 'bin'), { delayMs: DELAY_MS });
  const detect = (concurrency: string) => async () => {
    const run = await runAction('drift-detect', {
      workspace: checkout,
      env,
      inputs: { 'working-directories': 'stacks/*', version: '1.9.8', issue: 'false', concurrency },
      timeoutMs: 600_000,
    });
    await run.cleanup();
    // Exit 0 with drift found: the step reports drift in its outputs, it does not fail.
    if (run.main.exitCode !== 0) throw new Error(`drift-detect failed:\n${run.main.log.slice(-3000)}`);
    const drifted = JSON.parse(run.main.outputs['drifted-stacks'] ?? '[]') as unknown[];
    const errored = JSON.parse(run.main.outputs['errored-stacks'] ?? '[]') as unknown[];
    if (drifted.length !== Math.ceil(STACKS / 5) || errored.length) {
      throw new Error(
        `drift-detect found ${drifted.length} drifted and ${errored.length} errored stacks, expected ${Math.ceil(STACKS / 5)} and 0:\n${run.main.log.slice(-3000)}`,
      );
    }
  };
  let t: Record<(typeof CONCURRENCIES)[number], number[]>;
  try {
    t = await interleave(
      ROUNDS,
      Object.fromEntries(CONCURRENCIES.map((c) => [c, detect(c)])) as Record<
        (typeof CONCURRENCIES)[number],
        () => Promise<void>
      >,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const rows = CONCURRENCIES.map((c) => {
    const speedUp = medianRatio(t['1'], t[c]);
    const goal = Number(c) === 1 ? 1 : Number(c) * EFFICIENCY_GOAL;
    return [
      c,
      ms(median(t[c])),
      times(speedUp),
      c === '1' ? '—' : `≥ ${goal.toFixed(1)}×`,
      c === '1' ? '' : verdict(goal, speedUp),
    ];
  });
  printTable(
    `drift-detect: ${STACKS} stacks, the CLI double answering each command after ${DELAY_MS} ms; concurrencies alternating, ${ROUNDS} rounds; speed-up = wall time at 1 / wall time at N (goal ${EFFICIENCY_GOAL * 100}% of N)`,
    ['concurrency', 'step wall time', 'speed-up', 'goal', ''],
    rows,
  );
}
