import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDuration } from '@iac-actions/shared/util/duration.ts';
import { runAction } from '../test/harness/run-action.ts';
import { installTerraformDouble, setDirectoryKnobs } from '../test/terraform-double/index.ts';
import { ms, printTable } from './table.ts';

// drift-detect over 50 stacks through the committed bundle, with the
// Terraform CLI double answering each command after 1 s (init, plan, show:
// about 3 s a stack): the step's wall time against the serial sum of the
// stacks' own times (read from the job summary's table), at several
// concurrencies. Every fifth stack drifts; issues are off (no GitHub).
const STACKS = 50;
const DELAY_MS = 1_000;

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
  const rows: (string | number)[][] = [];
  try {
    for (const concurrency of ['1', '4', '8']) {
      const run = await runAction('drift-detect', {
        workspace: checkout,
        env,
        inputs: { 'working-directories': 'stacks/*', version: '1.9.8', issue: 'false', concurrency },
        timeoutMs: 600_000,
      });
      await run.cleanup();
      if (run.main.exitCode !== 0) throw new Error(`drift-detect failed:\n${run.main.log.slice(-3000)}`);
      const stackTimes = [...run.main.summary.matchAll(/^\| `stacks\/s\d+` \|.*\| ([^|]+) \|$/gm)].map(
        (m) => parseDuration(m[1]!.replace(/\s/g, '')) ?? Number.NaN,
      );
      if (stackTimes.length !== STACKS) throw new Error(`read ${stackTimes.length} stack times from the summary`);
      const serial = stackTimes.reduce((sum, t) => sum + t, 0);
      rows.push([
        concurrency,
        ms(run.main.durationMs),
        ms(serial),
        ms(Math.max(...stackTimes)),
        `${(serial / run.main.durationMs).toFixed(1)}×`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  printTable(
    `drift-detect: ${STACKS} stacks, the CLI double answering each command after ${DELAY_MS} ms (bundle, process start to exit)`,
    ['concurrency', 'step wall time', 'sum of stack times', 'slowest stack', 'speed-up'],
    rows,
  );
}
