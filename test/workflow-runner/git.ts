import { execFile, spawn } from 'node:child_process';

// The git operations the workflow runner needs on a repository checkout: files
// at a commit, revisions, the files a change touches, and the test merge
// commit GitHub makes for a pull request. Plain `git` processes: the
// repositories are real ones on disk.

/** A fixed identity, so that commits the runner makes (pull request merges) do not depend on the machine. */
const IDENTITY = {
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};

export class GitError extends Error {
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string) {
    super(`git ${args.join(' ')} failed: ${stderr.trim()}`);
    this.stderr = stderr;
  }
}

/** Runs git in `cwd`; resolves with stdout, rejects with a GitError carrying stderr. */
export function git(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, env: { ...process.env, ...IDENTITY, GIT_TERMINAL_PROMPT: '0', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new GitError(args, stderr || error.message)) : resolve(stdout)),
    );
  });
}

/** The full SHA a revision names (branch, tag, SHA, `refs/...`), or undefined when there is none. */
export async function resolveRevision(dir: string, revision: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A file's text at a commit, or undefined when the commit has no such file. */
export async function fileAt(dir: string, sha: string, file: string): Promise<string | undefined> {
  try {
    return await git(dir, ['show', `${sha}:${file.replace(/^\.\//, '')}`]);
  } catch (error) {
    if (
      error instanceof GitError &&
      /does not exist|exists on disk, but not in|invalid object name/i.test(error.stderr)
    ) {
      return undefined;
    }
    throw error;
  }
}

/** Files changed between two commits; `mergeBase` compares with their merge base, as GitHub's three-dot diff of a pull request. */
export async function changedFiles(dir: string, base: string, head: string, mergeBase = false): Promise<string[]> {
  const range = mergeBase ? `${base}...${head}` : `${base}..${head}`;
  const out = await git(dir, ['diff', '--name-only', '--no-renames', range]);
  return out.split('\n').filter(Boolean);
}

/** Files of a commit with no usable parent (a new branch's first push): every file the commit itself changed. */
export async function filesOfCommit(dir: string, sha: string): Promise<string[]> {
  const out = await git(dir, ['show', '--name-only', '--format=', '--no-renames', sha]);
  return out.split('\n').filter(Boolean);
}

/**
 * The commit GitHub tests a pull request with, `refs/pull/<n>/merge`: the
 * head merged into the base branch's tip. Undefined when they conflict — GitHub
 * then runs no `pull_request` workflow.
 */
export async function pullRequestMergeCommit(
  dir: string,
  number: number,
  base: string,
  head: string,
): Promise<string | undefined> {
  let tree: string;
  try {
    tree = (await git(dir, ['merge-tree', '--write-tree', base, head])).split('\n')[0]!.trim();
  } catch {
    return undefined;
  }
  const sha = (
    await git(dir, ['commit-tree', tree, '-p', base, '-p', head, '-m', `Merge ${head} into ${base}`], {
      // A fixed date: the same pull request state gives the same merge commit.
      GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
    })
  ).trim();
  await git(dir, ['update-ref', `refs/pull/${number}/merge`, sha]);
  await git(dir, ['update-ref', `refs/pull/${number}/head`, head]);
  return sha;
}

/** Writes the tree of `sha` into `dest`, as the runner downloads an action's repository at a ref. */
export function exportTree(dir: string, sha: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', sha], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const untar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    archive.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    untar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    archive.stdout.pipe(untar.stdin);
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) return reject(new GitError(['archive', sha], stderr || `exit ${code}`));
      if (--pending === 0) resolve();
    };
    archive.on('error', reject).on('close', done);
    untar.on('error', reject).on('close', done);
  });
}
