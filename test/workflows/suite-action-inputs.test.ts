import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../harness/run-action.ts';

// actionlint checks the inputs of local actions only; the workflows use the
// suite's actions by repository reference, so a misspelt or removed input
// would pass unnoticed until a run on GitHub. Every `with:` key given to one
// of the suite's actions must be an input its action.yml declares, in either
// reference form: `<owner>/<repo>/actions/<name>@<ref>` or `<owner>/<repo>/<name>@<ref>`
// (and `./actions/<name>`, `./<name>` in this repository).

type Workflow = { jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> };

const actionInputs = new Map<string, Set<string>>();
for (const name of await readdir(path.join(REPO_ROOT, 'actions'))) {
  const manifest = parseYaml(await readFile(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>;
  };
  actionInputs.set(name, new Set(Object.keys(manifest.inputs ?? {})));
}

/** The suite's action a `uses:` names, in either form; undefined for any other. */
function suiteAction(uses: string): string | undefined {
  const [reference = ''] = uses.split('@');
  const parts = reference.split('/');
  // `./actions/<name>` or `./<name>` here; `<owner>/<repo>/actions/<name>` or `<owner>/<repo>/<name>` elsewhere.
  const segments = parts[0] === '.' ? parts.slice(1) : uses.includes('@') ? parts.slice(2) : [];
  const name =
    segments.length === 2 && segments[0] === 'actions' ? segments[1] : segments.length === 1 ? segments[0] : undefined;
  return name && actionInputs.has(name) ? name : undefined;
}

/** `file job step: problem` for each input the suite's action does not declare. */
function unknownInputs(text: string, file: string): string[] {
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries((parseYaml(text) as Workflow).jobs ?? {})) {
    for (const step of job.steps ?? []) {
      const action = suiteAction(step.uses ?? '');
      const declared = action ? actionInputs.get(action) : undefined;
      if (!declared) continue;
      for (const key of Object.keys(step.with ?? {})) {
        if (!declared.has(key)) problems.push(`${file} ${jobName} ${action}: no input '${key}'`);
      }
    }
  }
  return problems;
}

// The suite's workflows and the reference repository's callers, wherever they are kept.
const workflowDirs = ['.github/workflows', 'examples/.github/workflows'].filter((dir) =>
  existsSync(path.join(REPO_ROOT, dir)),
);
const files = (
  await Promise.all(
    workflowDirs.map(async (dir) => (await readdir(path.join(REPO_ROOT, dir))).map((f) => `${dir}/${f}`)),
  )
)
  .flat()
  .filter((f) => /\.ya?ml$/.test(f));

describe("the workflows give the suite's actions only inputs they declare", () => {
  for (const file of files) {
    it(file, async () => {
      assert.deepEqual(unknownInputs(await readFile(path.join(REPO_ROOT, file), 'utf8'), file), []);
    });
  }

  it('reports a misspelt input in either reference form (the check can fail)', () => {
    const text = [
      'jobs:',
      '  x:',
      '    steps:',
      '      - uses: o/iac-actions/actions/tf-plan@main',
      '        with: { workdir: infra }',
      '      - uses: o/iac-actions/tf-apply@v1',
      '        with: { plan-digest: x, dgest: y }',
      '      - uses: ./tf-outputs',
      '        with: { backend: z }',
      '      - uses: docker/build-push-action@v6',
      '        with: { workdir: ignored }',
      '',
    ].join('\n');
    assert.deepEqual(unknownInputs(text, 'bad.yml'), [
      "bad.yml x tf-plan: no input 'workdir'",
      "bad.yml x tf-apply: no input 'dgest'",
      "bad.yml x tf-outputs: no input 'backend'",
    ]);
  });
});
