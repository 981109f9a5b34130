import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../harness/run-action.ts';

// actionlint checks the inputs of local actions only; the workflows use the
// suite's actions by repository reference, so a misspelt or removed input
// would pass unnoticed until a run on GitHub. Every `with:` key given to one
// of the suite's actions must be an input its action.yml declares.

type Workflow = { jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> };

const actionInputs = new Map<string, Set<string>>();
for (const name of await readdir(path.join(REPO_ROOT, 'actions'))) {
  const manifest = parseYaml(await readFile(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>;
  };
  actionInputs.set(name, new Set(Object.keys(manifest.inputs ?? {})));
}

/** `file job step: problem` for each input the suite's action does not declare. */
function unknownInputs(text: string, file: string): string[] {
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries((parseYaml(text) as Workflow).jobs ?? {})) {
    for (const step of job.steps ?? []) {
      const action = /\/actions\/([a-z-]+)@/.exec(step.uses ?? '')?.[1];
      const declared = action ? actionInputs.get(action) : undefined;
      if (!declared) continue;
      for (const key of Object.keys(step.with ?? {})) {
        if (!declared.has(key)) problems.push(`${file} ${jobName} ${action}: no input '${key}'`);
      }
    }
  }
  return problems;
}

const files = [
  ...(await readdir(path.join(REPO_ROOT, '.github/workflows'))).map((f) => `.github/workflows/${f}`),
  ...(await readdir(path.join(REPO_ROOT, 'examples/callers'))).map((f) => `examples/callers/${f}`),
].filter((f) => /\.ya?ml$/.test(f));

describe("the workflows give the suite's actions only inputs they declare", () => {
  for (const file of files) {
    it(file, async () => {
      assert.deepEqual(unknownInputs(await readFile(path.join(REPO_ROOT, file), 'utf8'), file), []);
    });
  }

  it('reports a misspelt input (the check can fail)', () => {
    const text =
      'jobs:\n  x:\n    steps:\n      - uses: o/iac-actions/actions/tf-plan@main\n        with: { workdir: infra }\n';
    assert.deepEqual(unknownInputs(text, 'bad.yml'), ["bad.yml x tf-plan: no input 'workdir'"]);
  });
});
