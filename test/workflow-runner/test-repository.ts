import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git } from './git.ts';

// A git repository for a workflow test: files committed on branches, so that
// runs find their workflows and changes at real commits.

export interface TestRepository {
  dir: string;
  /** Commits files (null deletes one) on `branch` (default main, created from `from` if new); resolves with the SHA. */
  commit(
    files: Record<string, string | null>,
    options?: { branch?: string; from?: string; message?: string },
  ): Promise<string>;
  /** The SHA a branch or ref points at. */
  head(ref?: string): Promise<string>;
  /** Tags a commit. */
  tag(name: string, sha: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestRepository(files: Record<string, string>): Promise<TestRepository> {
  const dir = await mkdtemp(path.join(tmpdir(), 'workflow-repo-'));
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'commit.gpgsign', 'false']);
  let count = 0;
  const repository: TestRepository = {
    dir,
    async commit(changes, { branch = 'main', from, message } = {}) {
      const current = (await git(dir, ['symbolic-ref', '--short', 'HEAD'])).trim();
      if (current !== branch) {
        const exists = await git(dir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).then(
          () => true,
          () => false,
        );
        await git(dir, exists ? ['checkout', '-q', branch] : ['checkout', '-q', '-b', branch, ...(from ? [from] : [])]);
      }
      for (const [file, content] of Object.entries(changes)) {
        const full = path.join(dir, file);
        if (content === null) await rm(full, { force: true });
        else {
          await mkdir(path.dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '-q', '--allow-empty', '-m', message ?? `change ${++count}`]);
      return (await git(dir, ['rev-parse', 'HEAD'])).trim();
    },
    head: async (ref = 'main') => (await git(dir, ['rev-parse', ref])).trim(),
    tag: async (name, sha) => void (await git(dir, ['tag', name, sha])),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await repository.commit(files, { message: 'initial' });
  return repository;
}
