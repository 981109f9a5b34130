import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';
import { interleave, median, medianRatio, ms, printTable, runProcess, times, verdict } from './measure.ts';

// Cold start of each committed bundle against `node -e 0`, both run with this
// Node (the runner's node24), alternately, round after round: the median of
// the per-round ratios. Each bundle gets an input it refuses, so it loads,
// reads its inputs and stops at the first check, touching no network; every
// run must end with that refusal — a bundle that crashed at load would
// otherwise look fast.
const ROUNDS = 21;

interface Refusal {
  env: Record<string, string>;
  /** The `::error::` line the bundle prints for it. */
  error: RegExp;
}

const TOOL_NONE: Refusal = { env: { INPUT_TOOL: 'none' }, error: /^::error::Input 'tool' must be one of/m };
const REFUSALS: Record<string, Refusal> = {
  'ansible-deploy': { env: {}, error: /^::error::Input 'playbook' is required/m },
  'docker-publish': { env: {}, error: /^::error::Input 'images' is empty/m },
  'drift-detect': TOOL_NONE,
  'smoke-test': { env: {}, error: /^::error::Input 'urls' or `checks` must name at least one URL/m },
  'tf-apply': TOOL_NONE,
  'tf-outputs': TOOL_NONE,
  'tf-plan': TOOL_NONE,
};

/** The goals (ratio to `node -e 0`). */
const GOALS: Record<string, number> = {
  'ansible-deploy': 3.0,
  'docker-publish': 3.0,
  'drift-detect': 4.0,
  'smoke-test': 2.0,
  'tf-apply': 4.0,
  'tf-outputs': 4.0,
  'tf-plan': 4.0,
};

export async function benchBundles(): Promise<void> {
  const actions = (await readdir(path.join(REPO_ROOT, 'actions'))).sort();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cold-'));
  const files = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'];
  const env = {
    PATH: process.env.PATH ?? '',
    RUNNER_TEMP: dir,
    ...Object.fromEntries(files.map((f) => [f, path.join(dir, f)])),
  };
  const rows: (string | number)[][] = [];
  try {
    for (const name of actions) {
      const refusal = REFUSALS[name];
      const goal = GOALS[name];
      if (!refusal || goal === undefined)
        throw new Error(`bench/bundles.ts: say which input ${name} refuses, and its goal`);
      const bundle = path.join(REPO_ROOT, 'actions', name, 'dist/index.js');
      const runBundle = async () => {
        await Promise.all(files.map((f) => writeFile(path.join(dir, f), '')));
        const result = await runProcess(process.execPath, [bundle], { env: { ...env, ...refusal.env } });
        const outputs = await readFile(path.join(dir, 'GITHUB_OUTPUT'), 'utf8');
        if (result.exitCode !== 1 || !refusal.error.test(result.stdout) || !/\ninvalid-input\n/.test(outputs)) {
          throw new Error(
            `${name} did not stop at the refused input (exit ${result.exitCode}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`,
          );
        }
      };
      const runBaseline = async () => {
        const result = await runProcess(process.execPath, ['-e', '0'], { env });
        if (result.exitCode !== 0) throw new Error(`node -e 0 exited ${result.exitCode}: ${result.stderr}`);
      };
      await runBundle(); // warms the file cache, and fails early
      const t = await interleave(ROUNDS, { baseline: runBaseline, bundle: runBundle });
      const ratio = medianRatio(t.bundle, t.baseline);
      const size = (await stat(bundle)).size;
      rows.push([
        name,
        ms(median(t.baseline)),
        ms(median(t.bundle)),
        times(ratio),
        `≤ ${goal.toFixed(1)}×`,
        verdict(ratio, goal),
        `${(size / 1024).toFixed(0)} KiB`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  printTable(
    `Cold start of each bundle (${process.version}): bundle and \`node -e 0\` alternately, ${ROUNDS} rounds; median of the per-round ratios`,
    ['bundle', 'node -e 0', 'bundle', 'ratio', 'goal', '', 'dist/index.js'],
    rows,
  );
}
