import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathInRepository } from './deploy-inputs.ts';

// Path inputs of ansible-deploy are relative to working-directory and must
// stay inside the repository (GITHUB_WORKSPACE).

let repository: string;
let workingDirectory: string;
const saved = process.env.GITHUB_WORKSPACE;

beforeAll(async () => {
  repository = await mkdtemp(path.join(tmpdir(), 'deploy-paths-'));
  workingDirectory = path.join(repository, 'ansible');
  await mkdir(path.join(workingDirectory, 'inventories', 'prod'), { recursive: true });
  await mkdir(path.join(repository, 'shared'), { recursive: true });
  await writeFile(path.join(workingDirectory, 'site.yml'), '- hosts: all\n');
  await writeFile(path.join(repository, 'shared', 'requirements.yml'), '[]\n');
  await symlink('/etc/passwd', path.join(workingDirectory, 'passwd.yml'));
  process.env.GITHUB_WORKSPACE = repository;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
  await rm(repository, { recursive: true, force: true });
});

function refusal(fn: () => unknown): { reason?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { reason?: string; message: string };
  }
  throw new Error('expected the path to be refused');
}

describe('pathInRepository', () => {
  it('resolves a path from the working directory, anywhere inside the repository', () => {
    expect(pathInRepository('playbook', 'site.yml', 'file', workingDirectory)).toBe(
      path.join(workingDirectory, 'site.yml'),
    );
    expect(pathInRepository('requirements', '../shared/requirements.yml', 'file', workingDirectory)).toBe(
      path.join(repository, 'shared', 'requirements.yml'),
    );
  });

  it('takes a file or a directory for `any` (an inventory may be either)', () => {
    expect(pathInRepository('inventory', 'inventories/prod', 'any', workingDirectory)).toBe(
      path.join(workingDirectory, 'inventories', 'prod'),
    );
    expect(pathInRepository('inventory', 'site.yml', 'any', workingDirectory)).toBe(
      path.join(workingDirectory, 'site.yml'),
    );
  });

  it.each([
    [
      '../../etc/passwd',
      "Input 'playbook' is '../../etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    [
      '/etc/passwd',
      "Input 'playbook' is '/etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    ['passwd.yml', /^Input 'playbook' is 'ansible\/passwd\.yml', a link that leads outside the repository/],
    ['missing.yml', /^Input 'playbook' is 'ansible\/missing\.yml', which does not exist in the repository/],
    ['inventories', "Input 'playbook' is 'ansible/inventories', which is a directory, not a file."],
    ['site.yml\n../../etc/passwd', "Input 'playbook' must be one path on one line."],
  ])('refuses %j as invalid-input naming the input', (text, message) => {
    const error = refusal(() => pathInRepository('playbook', text, 'file', workingDirectory));
    expect(error.reason).toBe('invalid-input');
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});
