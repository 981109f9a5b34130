import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { actionError } from '../../../../test/assertions.ts';
import type { CommandRunner } from '../util/command.ts';
import { runAnsibleDeploy, type AnsibleDeploySettings } from './ansible-deploy.ts';

// The edges the real-sshd tests cannot reach: no Ansible on the runner, and a
// play that never starts. The rest runs against sshd in test/e2e/ansible-deploy.test.ts.

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'ansible-deploy-'));
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

const settings: AnsibleDeploySettings = {
  workingDirectory: '/work/infra',
  playbook: 'site.yml',
  inventory: { kind: 'content', content: 'web1\n' },
  limit: [],
  tags: '',
  skipTags: '',
  check: false,
  diff: false,
  become: false,
  user: '',
  requirements: '',
  ansibleConfig: '',
  privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n',
  vaultPassword: '',
  knownHosts: 'web1 ssh-ed25519 AAAA\n',
  hostKeyChecking: true,
  retriesUnreachable: 0,
};

const deps = (exec: CommandRunner) => ({
  exec,
  workDir,
  controlDir: path.join(workDir, 'cp'),
  log: () => {},
  group: <T>(_: string, fn: () => Promise<T>) => fn(),
});

describe('runAnsibleDeploy', () => {
  it('says how to install Ansible when ansible-playbook is not on PATH', async () => {
    const exec: CommandRunner = () =>
      Promise.reject(Object.assign(new Error('spawn ansible-playbook ENOENT'), { code: 'ENOENT' }));
    await assert.rejects(
      runAnsibleDeploy(settings, deps(exec)),
      actionError('ansible-missing', /^ansible-playbook is not on PATH\. Install Ansible .*pipx install ansible-core/),
    );
  });

  it('fails with the tool’s own words when the play never starts, and leaves no secret file', async () => {
    const exec: CommandRunner = async (_command, args) =>
      args[0] === '--version'
        ? { exitCode: 0, stdout: 'ansible-playbook [core 2.14.18]\n', stderr: '' }
        : { exitCode: 4, stdout: '', stderr: 'ERROR! the playbook: site.yml could not be found\n' };
    await assert.rejects(
      runAnsibleDeploy(settings, deps(exec)),
      actionError(
        'playbook-error',
        /exited with 4 before the play ran: ERROR! the playbook: site.yml could not be found/,
      ),
    );
    assert.deepEqual(await readdir(workDir), ['callback_plugins']);
  });

  it('reads YAML inventory content with a vault value as YAML, without a parser warning quoting it', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const inventories: string[] = [];
    const exec: CommandRunner = async (_command, args) => {
      const at = args.indexOf('--inventory');
      if (at >= 0) inventories.push(args[at + 1] ?? '');
      return args[0] === '--version'
        ? { exitCode: 0, stdout: 'ansible-playbook [core 2.14.18]\n', stderr: '' }
        : { exitCode: 4, stdout: '', stderr: 'ERROR! stop here\n' };
    };
    const content = 'all:\n  hosts:\n    web1:\n      ansible_password: !vault-secret-tag s3cr3t-value\n';
    try {
      await expect(
        runAnsibleDeploy({ ...settings, inventory: { kind: 'content', content } }, deps(exec)),
      ).rejects.toMatchObject({ reason: 'playbook-error' });
      expect(inventories).toHaveLength(1);
      expect(inventories[0]).toMatch(/inventory-[0-9a-f]+\.yml$/);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });
});
