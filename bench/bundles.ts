import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';
import { median, ms, printTable } from './table.ts';

// Cold start of each committed bundle: the time from spawning `node` to its
// exit, against `node -e 0`, median of several runs. Each bundle gets an
// input it refuses, so it loads, parses its inputs and stops at the first
// check, touching no network.
const RUNS = 15;
const REFUSED_INPUTS: Record<string, Record<string, string>> = {
  'smoke-test': {}, // no URL
  'tf-plan': { INPUT_TOOL: 'none' },
  'drift-detect': { INPUT_TOOL: 'none' },
  'tf-apply': { INPUT_TOOL: 'none' },
  'docker-publish': {}, // no image
  'ansible-deploy': {}, // no playbook
};

function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - started));
  });
}

async function medianOf(args: string[], env: Record<string, string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeProcess(args, env));
  return median(times);
}

export async function benchBundles(): Promise<void> {
  const actions = (await readdir(path.join(REPO_ROOT, 'actions'))).sort();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cold-'));
  const files = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'];
  await Promise.all(files.map((f) => writeFile(path.join(dir, f), '')));
  const env = {
    PATH: process.env.PATH ?? '',
    RUNNER_TEMP: dir,
    ...Object.fromEntries(files.map((f) => [f, path.join(dir, f)])),
  };
  const baseline = await medianOf(['-e', '0'], env);
  const rows: (string | number)[][] = [['node -e 0', ms(baseline), '—', '—']];
  for (const name of actions) {
    const bundle = path.join(REPO_ROOT, 'actions', name, 'dist/index.js');
    const refused = REFUSED_INPUTS[name];
    if (!refused) throw new Error(`bench/bundles.ts: say which input ${name} refuses`);
    const cold = await medianOf([bundle], { ...env, ...refused });
    const size = (await stat(bundle)).size;
    rows.push([name, ms(cold), `+${ms(cold - baseline)}`, `${(size / 1024).toFixed(0)} KiB`]);
  }
  await rm(dir, { recursive: true, force: true });
  printTable(
    `Cold start of each bundle (median of ${RUNS} runs) and bundle size`,
    ['bundle', 'cold start', 'over node -e 0', 'dist/index.js'],
    rows,
  );
}
