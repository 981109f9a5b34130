import { realpathSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { invalidInput } from '../action/action-error.ts';
import type { StackLocation } from './stack.ts';
import { WORKSPACE_NAME } from './terraform-inputs.ts';

// The stacks drift-detect checks: every directory that a line of
// `working-directories` matches (globs allowed) and that holds `*.tf` files,
// times every workspace of `workspaces`.

/** Where Terraform and package managers keep others' modules: never a stack of the repository. */
const NEVER_STACKS = ['**/.terraform/**', '**/node_modules/**'];

/**
 * The directories, relative to the repository root (`.` for the root
 * itself), sorted. A line starting with `!` leaves out the directories its
 * pattern matches. Each other line must match at least one directory.
 */
export async function findStackDirectories(lines: readonly string[], workspaceRoot: string): Promise<string[]> {
  const includes = lines.filter((line) => !line.startsWith('!')).map(checkedPattern);
  const excludes = lines.filter((line) => line.startsWith('!')).map((line) => checkedPattern(line.slice(1)));
  if (!includes.length) {
    throw invalidInput('working-directories', 'names no directory: give at least one path or glob, e.g. `infra/*`.');
  }
  const ignore = [...NEVER_STACKS, ...excludes.map(terraformFiles)];
  const found = new Set<string>();
  for (const pattern of includes) {
    const files = await glob(terraformFiles(pattern), {
      cwd: workspaceRoot,
      ignore,
      onlyFiles: true,
      expandDirectories: false,
    });
    if (!files.length) {
      throw invalidInput(
        'working-directories',
        `has '${pattern || '.'}', which matches no directory holding .tf files in the checkout. Check the path (relative to the repository root) and that the repository is checked out.`,
      );
    }
    for (const file of files) found.add(path.posix.dirname(file));
  }
  // A directory reached through a symbolic link must still be in the checkout.
  const root = realpathSync(workspaceRoot);
  for (const dir of found) {
    const relative = path.relative(root, realpathSync(path.join(workspaceRoot, dir)));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw invalidInput(
        'working-directories',
        `matches '${dir}', a link that leads outside the repository: stacks must be directories of the checkout.`,
      );
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The workspace names, checked, without repeats; `default` when none is given. */
export function checkedWorkspaces(names: readonly string[]): string[] {
  for (const name of names) {
    if (!WORKSPACE_NAME.test(name)) {
      throw invalidInput(
        'workspaces',
        `has '${name.replace(/[^\x20-\x7e]/g, '?')}', which is not a workspace name: Terraform allows letters, digits and -_.~$&+,:;=@ (one name per line).`,
      );
    }
  }
  return names.length ? [...new Set(names)] : ['default'];
}

/** Every directory in every workspace, directory by directory. */
export function stackMatrix(directories: readonly string[], workspaces: readonly string[]): StackLocation[] {
  return directories.flatMap((workingDirectory) => workspaces.map((workspace) => ({ workingDirectory, workspace })));
}

/** The stacks of `working-directories` × `workspaces`. */
export async function expandStacks(
  lines: readonly string[],
  workspaces: readonly string[],
  workspaceRoot: string,
): Promise<StackLocation[]> {
  const names = checkedWorkspaces(workspaces);
  return stackMatrix(await findStackDirectories(lines, workspaceRoot), names);
}

/** A pattern relative to the repository root, without `./` or a trailing `/`; '' is the root. */
function checkedPattern(line: string): string {
  const pattern = line
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (pattern.startsWith('/') || /^[A-Za-z]:/.test(pattern) || pattern.split('/').includes('..')) {
    throw invalidInput(
      'working-directories',
      `has '${line}': paths are relative to the repository root and stay inside it (no leading / and no ..).`,
    );
  }
  return pattern === '.' ? '' : pattern;
}

function terraformFiles(pattern: string): string {
  return pattern ? `${pattern}/*.tf` : '*.tf';
}
