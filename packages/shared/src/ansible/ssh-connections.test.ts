import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../util/command.ts';
import { closeSshMasters, createControlDir } from './ssh-connections.ts';

// The real masters are closed against sshd in test/e2e/ansible-deploy.test.ts;
// here, what is asked of ssh and what is left.

describe('closeSshMasters', () => {
  it('asks the master of each socket in the directory to exit, then removes the directory', async () => {
    const dir = await createControlDir();
    expect(path.dirname(dir)).toBe(tmpdir());
    // Short enough for a unix socket path: the directory, `/`, ssh's 40-character hash and a temporary suffix.
    expect(dir.length + 1 + 40 + 17).toBeLessThan(108);
    await writeFile(path.join(dir, 'a1b2'), '');
    const calls: string[][] = [];
    const exec: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return { exitCode: 255, stdout: '', stderr: 'Control socket connect: Connection refused' };
    };
    await closeSshMasters(dir, exec);
    expect(calls).toEqual([['ssh', '-O', 'exit', '-o', `ControlPath=${path.join(dir, 'a1b2')}`, 'iac-ansible-deploy']]);
    expect(existsSync(dir)).toBe(false);
  });

  it('does nothing, and does not throw, when there is no directory or no ssh', async () => {
    const calls: string[][] = [];
    await closeSshMasters(path.join(tmpdir(), 'iac-ssh-never-made'), async (command, args) => {
      calls.push([command, ...args]);
      throw Object.assign(new Error('spawn ssh ENOENT'), { code: 'ENOENT' });
    });
    expect(calls).toEqual([]);
    const dir = await createControlDir();
    await writeFile(path.join(dir, 'sock'), '');
    await closeSshMasters(dir, () => Promise.reject(new Error('spawn ssh ENOENT')));
    expect(existsSync(dir)).toBe(false);
  });
});
