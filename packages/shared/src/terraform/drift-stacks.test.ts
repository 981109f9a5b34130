import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { checkedWorkspaces, expandStacks, findStackDirectories } from './drift-stacks.ts';

// Stacks from `working-directories` × `workspaces`, on a real checkout tree.
describe('drift stacks', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'drift-stacks-'));
    const files = [
      'main.tf',
      'infra/prod/main.tf',
      'infra/staging/main.tf',
      'infra/staging/variables.tf',
      'infra/legacy/main.tf',
      'infra/modules/vpc/main.tf',
      'infra/prod/.terraform/modules/vpc/main.tf',
      'infra/docs/README.md',
      'apps/web/node_modules/some-package/main.tf',
      '.github/infra/main.tf',
    ];
    for (const file of files) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), '');
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('expands globs to the directories that hold .tf files, sorted, each once', async () => {
    assert.deepEqual(await findStackDirectories(['infra/*', 'infra/prod'], root), [
      'infra/legacy',
      'infra/prod',
      'infra/staging',
    ]);
    assert.deepEqual(await findStackDirectories(['infra/**'], root), [
      'infra/legacy',
      'infra/modules/vpc',
      'infra/prod',
      'infra/staging',
    ]);
  });

  it("never takes Terraform's module cache or node_modules for a stack", async () => {
    const all = await findStackDirectories(['**'], root);
    assert.ok(!all.some((d) => d.includes('.terraform') || d.includes('node_modules')), all.join());
    assert.ok(all.includes('.'), 'the root holds main.tf');
  });

  it('reads the root as . or ./, and leaves out directories a ! line matches', async () => {
    assert.deepEqual(await findStackDirectories(['.'], root), ['.']);
    assert.deepEqual(await findStackDirectories(['./infra/prod/'], root), ['infra/prod']);
    assert.deepEqual(await findStackDirectories(['infra/**', '!infra/modules/**', '!infra/legacy'], root), [
      'infra/prod',
      'infra/staging',
    ]);
  });

  it('finds a directory named explicitly even when it starts with a dot', async () => {
    assert.deepEqual(await findStackDirectories(['.github/infra'], root), ['.github/infra']);
  });

  it('gives every directory every workspace, directory by directory', async () => {
    assert.deepEqual(await expandStacks(['infra/prod', 'infra/staging'], ['blue', 'green', 'blue'], root), [
      { workingDirectory: 'infra/prod', workspace: 'blue' },
      { workingDirectory: 'infra/prod', workspace: 'green' },
      { workingDirectory: 'infra/staging', workspace: 'blue' },
      { workingDirectory: 'infra/staging', workspace: 'green' },
    ]);
    assert.deepEqual(checkedWorkspaces([]), ['default']);
  });

  it('names working-directories when a line matches nothing, leaves the checkout, or none is given', async () => {
    await assert.rejects(
      findStackDirectories(['infra/*', 'infra/prd'], root),
      invalidInputError(
        "Input 'working-directories' has 'infra/prd', which matches no directory holding .tf files in the checkout. Check the path (relative to the repository root) and that the repository is checked out.",
      ),
    );
    await assert.rejects(
      findStackDirectories(['infra/docs'], root),
      invalidInputError(/'infra\/docs', which matches no/),
    );
    await assert.rejects(findStackDirectories(['../other'], root), invalidInputError(/stay inside it/));
    await assert.rejects(findStackDirectories(['/etc'], root), invalidInputError(/no leading \//));
    await assert.rejects(findStackDirectories(['!infra/legacy'], root), invalidInputError(/names no directory/));
  });

  it('refuses a glob that reaches a directory outside the checkout through a link', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'drift-elsewhere-'));
    const checkout = await mkdtemp(path.join(tmpdir(), 'drift-links-'));
    try {
      await writeFile(path.join(elsewhere, 'main.tf'), '');
      await mkdir(path.join(checkout, 'infra', 'prod'), { recursive: true });
      await writeFile(path.join(checkout, 'infra', 'prod', 'main.tf'), '');
      await symlink(elsewhere, path.join(checkout, 'infra', 'outside'));
      await assert.rejects(
        findStackDirectories(['infra/*'], checkout),
        invalidInputError(
          "Input 'working-directories' matches 'infra/outside', a link that leads outside the repository: stacks must be directories of the checkout.",
        ),
      );
      assert.deepEqual(await findStackDirectories(['infra/*', '!infra/outside'], checkout), ['infra/prod']);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
      await rm(checkout, { recursive: true, force: true });
    }
  });

  it('names workspaces when a name is not one Terraform accepts', () => {
    assert.throws(
      () => checkedWorkspaces(['prod', 'my workspace']),
      invalidInputError(/^Input 'workspaces' has 'my workspace', which is not a workspace name/),
    );
    assert.throws(
      () => checkedWorkspaces(['prod\tstaging']),
      invalidInputError(/^Input 'workspaces' has 'prod\?staging'/),
    );
  });
});
