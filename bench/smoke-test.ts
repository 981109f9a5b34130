import { runAction } from '../test/harness/run-action.ts';
import { routes, startHttpApp } from '../test/services/http-app.ts';
import { ms, printTable } from './table.ts';

// smoke-test over 100 URLs that each answer after 200 ms, through the
// committed bundle: wall time of the step against the slowest single probe.
const URLS = 100;
const DELAY_MS = 200;

export async function benchSmokeTest(): Promise<void> {
  const app = await startHttpApp(
    Object.fromEntries(Array.from({ length: URLS }, (_, i) => [`/svc-${i}`, routes.slow(DELAY_MS)])),
  );
  const urls = Array.from({ length: URLS }, (_, i) => `${app.url}/svc-${i}`).join('\n');
  const rows: (string | number)[][] = [];
  try {
    for (const concurrency of ['8', '32', '100']) {
      const run = await runAction('smoke-test', { inputs: { urls, concurrency } });
      await run.cleanup();
      if (run.main.exitCode !== 0) throw new Error(`smoke-test failed:\n${run.main.log}`);
      const results = JSON.parse(run.main.outputs.results ?? '[]') as { 'latency-ms': number }[];
      const slowest = Math.max(...results.map((r) => r['latency-ms']));
      const serial = results.reduce((sum, r) => sum + r['latency-ms'], 0);
      rows.push([
        concurrency,
        ms(run.main.durationMs),
        ms(slowest),
        ms(serial),
        `${(run.main.durationMs / slowest).toFixed(1)}×`,
      ]);
    }
  } finally {
    await app.close();
  }
  printTable(
    `smoke-test: ${URLS} URLs answering after ${DELAY_MS} ms (whole step, process start to exit)`,
    ['concurrency', 'step wall time', 'slowest probe', 'sum of probes', 'wall / slowest'],
    rows,
  );
}
