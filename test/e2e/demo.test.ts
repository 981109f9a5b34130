import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../harness/run-action.ts';

it('npm run demo probes the example app and writes the job summary', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/demo.ts'], { cwd: REPO_ROOT });
  assert.match(stdout, /== smoke-test: succeeded/);
  assert.match(stdout, /passed: true/);
  const summary = await readFile(path.join(REPO_ROOT, '.demo/smoke-test.summary.md'), 'utf8');
  assert.match(summary, /Smoke test passed: 3 of 3 URLs healthy/);
  assert.match(summary, /\/version\.json \| 1 \| 200 \|/);
});
