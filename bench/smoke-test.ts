import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../test/harness/run-action.ts';
import { routes, startHttpApp } from '../test/services/http-app.ts';
import { interleave, median, medianRatio, ms, printTable, runProcess, times, verdict } from './measure.ts';

// smoke-test over 100 URLs that each answer after 200 ms, through the
// committed bundle, alternating with a bare Node process that fetches the
// same URLs with the same concurrency (bare-fetch.ts): both from process
// start to exit. Also the step's wall time against one probe, which is what
// a user waits for compared with checking a single URL.
const URLS = 100;
const DELAY_MS = 200;
const ROUNDS = 5;
const CONCURRENCIES = ['8', '32', '100'];
/** The action over a bare fetch loop, whole process: its start-up and its reports on top of the same probes. */
const GOAL = 1.5;

export async function benchSmokeTest(): Promise<void> {
  const app = await startHttpApp(
    Object.fromEntries(Array.from({ length: URLS }, (_, i) => [`/svc-${i}`, routes.slow(DELAY_MS)])),
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-smoke-'));
  const urlList = Array.from({ length: URLS }, (_, i) => `${app.url}/svc-${i}`);
  const urlFile = path.join(dir, 'urls');
  await writeFile(urlFile, urlList.join('\n'));
  const rows: (string | number)[][] = [];
  try {
    for (const concurrency of CONCURRENCIES) {
      const t = await interleave(ROUNDS, {
        action: async () => {
          const run = await runAction('smoke-test', { inputs: { urls: urlList.join('\n'), concurrency } });
          await run.cleanup();
          const results = JSON.parse(run.main.outputs.results ?? '[]') as unknown[];
          if (run.main.exitCode !== 0 || results.length !== URLS) {
            throw new Error(`smoke-test failed (${results.length} results):\n${run.main.log.slice(-3000)}`);
          }
        },
        bare: async () => {
          const result = await runProcess(process.execPath, [
            path.join(import.meta.dirname, 'bare-fetch.ts'),
            urlFile,
            concurrency,
          ]);
          if (result.exitCode !== 0) throw new Error(`bare fetch failed (exit ${result.exitCode}):\n${result.stderr}`);
        },
      });
      const ratio = medianRatio(t.action, t.bare);
      rows.push([
        concurrency,
        ms(median(t.action)),
        ms(median(t.bare)),
        times(ratio),
        `≤ ${GOAL}×`,
        verdict(ratio, GOAL),
        times(median(t.action) / DELAY_MS),
        times(median(t.bare) / DELAY_MS),
      ]);
    }
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
  printTable(
    `smoke-test: ${URLS} URLs answering after ${DELAY_MS} ms, the action and a bare fetch loop alternately (${ROUNDS} rounds, process start to exit); median of per-round ratios`,
    ['concurrency', 'action', 'bare fetch', 'action / bare', 'goal', '', 'action / one probe', 'bare / one probe'],
    rows,
  );
}
