// `npm run demo`: the suite's main job on the embedded example. For now:
// start the example app (examples/app/www served on loopback), probe it with
// the committed smoke-test bundle exactly as GitHub's runner would run it,
// print the step's outputs and write its job summary to .demo/.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT, runAction, type StepResult } from '../test/harness/run-action.ts';

const www = path.join(REPO_ROOT, 'examples/app/www');
const out = path.join(REPO_ROOT, '.demo');

const app = createServer(async (req, res) => {
  const file = path.join(
    www,
    path.normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+$/, 'index.html'),
  );
  const body = file.startsWith(www) ? await readFile(file).catch(() => undefined) : undefined;
  res.writeHead(body ? 200 : 404, { 'content-type': file.endsWith('.json') ? 'application/json' : 'text/plain' });
  res.end(body ?? 'not found');
});
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
console.log(`example app listening on ${base}`);

try {
  await mkdir(out, { recursive: true });
  const run = await runAction('smoke-test', {
    inputs: {
      urls: `${base}/`,
      checks: [
        `- url: ${base}/health`,
        `  expect-body: '^OK'`,
        `- url: ${base}/version.json`,
        `  expect-json: { app: example, status: ready }`,
        `  max-latency: 2s`,
      ].join('\n'),
      'retry-delay': '200ms',
      deadline: '30s',
    },
  });
  await run.cleanup();
  report('smoke-test', run.main);
  const summary = path.join(out, 'smoke-test.summary.md');
  await writeFile(summary, run.main.summary);
  console.log(`\njob summary written to ${path.relative(process.cwd(), summary)}`);
  process.exitCode = run.main.exitCode ?? 1;
} finally {
  app.close();
}

function report(step: string, result: StepResult): void {
  console.log(`\n== ${step}: ${result.exitCode === 0 ? 'succeeded' : `failed (exit ${result.exitCode})`}`);
  console.log(result.log.replace(/^/gm, '  │ '));
  console.log('  outputs:');
  for (const [name, value] of Object.entries(result.outputs)) console.log(`    ${name}: ${value}`);
}
