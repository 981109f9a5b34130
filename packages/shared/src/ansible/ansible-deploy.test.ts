import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { actionError } from '../../../../test/assertions.ts';
import type { CommandOptions, CommandRunner } from '../util/command.ts';
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

/** One call of a program, with the files it was given as they were while it ran. */
interface Call {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  files: Record<string, { content: string; mode: number }>;
}

/**
 * A stand-in for Ansible: `--version` answers, ansible-galaxy exits with
 * `galaxyExit`, and each ansible-playbook run writes, as the callback plugin
 * would, the next of `plays` (host → unreachable or not) to the results file.
 */
function fakeAnsible(plays: Record<string, boolean>[], galaxyExit = 0) {
  const calls: Call[] = [];
  const exec: CommandRunner = async (command: string, args: readonly string[], options: CommandOptions) => {
    const files: Call['files'] = {};
    for (const [at, arg] of args.entries()) {
      const file = ['--inventory', '--private-key', '--vault-password-file', '--extra-vars'].includes(
        args[at - 1] ?? '',
      )
        ? arg.replace(/^@/, '')
        : '';
      if (file.startsWith(workDir)) {
        files[args[at - 1]!] = { content: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 };
      }
    }
    const knownHosts = /UserKnownHostsFile=(\S+)/.exec(options.env.ANSIBLE_SSH_COMMON_ARGS ?? '')?.[1];
    if (knownHosts?.startsWith(workDir)) files.known_hosts = { content: readFileSync(knownHosts, 'utf8'), mode: 0 };
    calls.push({ command, args, env: { ...options.env }, files });
    if (args[0] === '--version')
      return {
        exitCode: 0,
        stdout: '\x1b[1mansible-playbook [core 2.17.1]\x1b[0m\n  config file = None\n',
        stderr: '',
      };
    if (command === 'ansible-galaxy') {
      return galaxyExit === 0
        ? { exitCode: 0, stdout: 'Starting galaxy role install process\n', stderr: '' }
        : { exitCode: galaxyExit, stdout: '', stderr: 'ERROR! - the role geerlingguy.docker was not found\n' };
    }
    const play = plays.shift() ?? {};
    const hosts = Object.fromEntries(
      Object.entries(play).map(([host, unreachable]) => [
        host,
        { ok: unreachable ? 0 : 3, unreachable: unreachable ? 1 : 0 },
      ]),
    );
    const failures = Object.entries(play)
      .filter(([, unreachable]) => unreachable)
      .map(([host]) => ({ host, task: 'Gathering Facts', kind: 'unreachable', message: 'Connection timed out' }));
    await writeFile(options.env.IAC_ANSIBLE_RESULTS_FILE!, JSON.stringify({ hosts, failures }));
    return { exitCode: Object.keys(hosts).length && failures.length ? 4 : 0, stdout: 'PLAY RECAP\n', stderr: '' };
  };
  return {
    exec,
    calls,
    playbookCalls: () => calls.filter((c) => c.command === 'ansible-playbook' && c.args[0] !== '--version'),
  };
}

/** Deps that keep the log lines and group titles. */
function recordingDeps(exec: CommandRunner) {
  const lines: string[] = [];
  const groups: string[] = [];
  return {
    lines,
    groups,
    deps: {
      ...deps(exec),
      log: (line: string) => lines.push(line),
      group: <T>(title: string, fn: () => Promise<T>) => {
        groups.push(title);
        return fn();
      },
    },
  };
}

const valueOf = (args: readonly string[], flag: string) => args[args.indexOf(flag) + 1];

describe('runAnsibleDeploy: a deploy', () => {
  it('hands Ansible every secret as a 0600 file, installs requirements first, and removes the files after', async () => {
    const ansible = fakeAnsible([{ web1: false }]);
    const { deps: recorded, lines, groups } = recordingDeps(ansible.exec);
    const result = await runAnsibleDeploy(
      {
        ...settings,
        playbook: '/work/infra/site.yml',
        terraformInventory: 'all:\n  hosts:\n    10.0.0.5: null\n',
        vaultPassword: 'vault-pa55',
        extraVars: { release: 'v1.2.3', db_password: 's3cr3t' },
        requirements: '/work/infra/requirements.yml',
        ansibleConfig: 'ansible.cfg',
        limit: ['web1'],
        forks: 10,
      },
      recorded,
    );
    expect(result).toEqual({
      runs: 1,
      results: {
        hosts: { web1: { ok: 3, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 } },
        failures: [],
      },
    });
    // The version, without its colours, is the first thing said.
    expect(lines).toEqual(['ansible-playbook [core 2.17.1]']);
    expect(groups).toEqual(['Installing requirements.yml', 'ansible-playbook site.yml']);
    expect(ansible.calls.map((c) => c.command)).toEqual(['ansible-playbook', 'ansible-galaxy', 'ansible-playbook']);
    expect(ansible.calls[1]!.args).toEqual(['install', '-r', '/work/infra/requirements.yml']);

    const [run] = ansible.playbookCalls();
    expect(run!.args).toContain('/work/infra/site.yml');
    expect(valueOf(run!.args, '--limit')).toBe('web1');
    expect(valueOf(run!.args, '--forks')).toBe('10');
    // Content as given, inventory and Terraform inventory both, and no secret in the arguments.
    const inventories = run!.args.filter((_, at) => run!.args[at - 1] === '--inventory');
    expect(inventories).toHaveLength(2);
    expect(inventories[0]).toMatch(/inventory-[0-9a-f]+\.ini$/);
    expect(inventories[1]).toMatch(/terraform-inventory-[0-9a-f]+\.yml$/);
    expect(run!.args.join(' ')).not.toMatch(/vault-pa55|s3cr3t|OPENSSH/);
    expect(run!.files['--private-key']).toEqual({ content: settings.privateKey, mode: 0o600 });
    expect(run!.files['--vault-password-file']).toEqual({ content: 'vault-pa55\n', mode: 0o600 });
    expect(JSON.parse(run!.files['--extra-vars']!.content)).toEqual({ release: 'v1.2.3', db_password: 's3cr3t' });
    expect(run!.files.known_hosts?.content).toBe(settings.knownHosts);
    expect(run!.env.ANSIBLE_CONFIG).toBe('/work/infra/ansible.cfg');
    expect(run!.env.ANSIBLE_HOST_KEY_CHECKING).toBe('True');
    // Nothing secret is left once the deploy is over: only the callback plugin remains.
    expect(await readdir(workDir)).toEqual(['callback_plugins']);
  });

  it('keeps the callbacks the user enabled, takes an inventory path as it is, and runs without key files when none is given', async (t) => {
    const saved = process.env.ANSIBLE_CALLBACKS_ENABLED;
    process.env.ANSIBLE_CALLBACKS_ENABLED = 'profile_tasks';
    t.onTestFinished(() => {
      if (saved === undefined) delete process.env.ANSIBLE_CALLBACKS_ENABLED;
      else process.env.ANSIBLE_CALLBACKS_ENABLED = saved;
    });
    const ansible = fakeAnsible([{ web1: false }]);
    await runAnsibleDeploy(
      {
        ...settings,
        inventory: { kind: 'path', path: '/work/infra/inventories/prod' },
        privateKey: '',
        knownHosts: '',
        hostKeyChecking: false,
      },
      deps(ansible.exec),
    );
    const [run] = ansible.playbookCalls();
    expect(valueOf(run!.args, '--inventory')).toBe('/work/infra/inventories/prod');
    expect(run!.args).not.toContain('--private-key');
    expect(run!.args).not.toContain('--vault-password-file');
    expect(run!.args).not.toContain('--extra-vars');
    expect(run!.files.known_hosts).toBeUndefined();
    expect(run!.env.ANSIBLE_CALLBACKS_ENABLED).toBe('profile_tasks,iac_results');
    expect(run!.env.ANSIBLE_HOST_KEY_CHECKING).toBe('False');
    expect(run!.env.ANSIBLE_CONFIG).toBeUndefined();
  });

  it('runs the playbook again for the hosts that were unreachable, and reports the runs together', async () => {
    const ansible = fakeAnsible([
      { web1: false, web2: true, web3: true },
      { web2: false, web3: true },
      { web3: false },
    ]);
    const { deps: recorded, lines, groups } = recordingDeps(ansible.exec);
    const result = await runAnsibleDeploy(
      { ...settings, playbook: '/work/infra/site.yml', retriesUnreachable: 3 },
      recorded,
    );
    expect(result.runs).toBe(3);
    expect(Object.fromEntries(Object.entries(result.results.hosts).map(([h, s]) => [h, s.unreachable]))).toEqual({
      web1: 0,
      web2: 0,
      web3: 0,
    });
    expect(result.results.failures).toEqual([]);
    expect(ansible.playbookCalls().map((c) => (c.args.includes('--limit') ? valueOf(c.args, '--limit') : ''))).toEqual([
      '',
      'web2,web3',
      'web3',
    ]);
    expect(groups).toEqual([
      'ansible-playbook site.yml',
      'Rerun 1 for unreachable hosts: web2, web3',
      'Rerun 2 for unreachable hosts: web3',
    ]);
    expect(lines.slice(1)).toEqual([
      '2 hosts unreachable: web2, web3; running the playbook again for them.',
      '1 host unreachable: web3; running the playbook again for them.',
    ]);
  });

  it('stops after retries-unreachable reruns and reports the hosts still unreachable', async () => {
    const ansible = fakeAnsible([{ web1: true }, { web1: true }, { web1: false }]);
    const result = await runAnsibleDeploy({ ...settings, retriesUnreachable: 1 }, deps(ansible.exec));
    expect(result.runs).toBe(2);
    expect(result.results.hosts.web1?.unreachable).toBe(1);
    expect(result.results.failures).toMatchObject([{ host: 'web1', kind: 'unreachable' }]);
  });

  it('does not rerun unreachable hosts by default', async () => {
    const ansible = fakeAnsible([{ web1: true }]);
    const result = await runAnsibleDeploy(settings, deps(ansible.exec));
    expect(result.runs).toBe(1);
    expect(ansible.playbookCalls()).toHaveLength(1);
  });

  it('fails with ansible-galaxy’s own words when the requirements cannot be installed, before the playbook runs', async () => {
    const ansible = fakeAnsible([{ web1: false }], 1);
    await assert.rejects(
      runAnsibleDeploy({ ...settings, requirements: '/work/infra/roles/requirements.yml' }, deps(ansible.exec)),
      actionError(
        'requirements-failed',
        'ansible-galaxy could not install roles/requirements.yml: ERROR! - the role geerlingguy.docker was not found',
      ),
    );
    expect(ansible.playbookCalls()).toHaveLength(0);
    expect(await readdir(workDir)).toEqual(['callback_plugins']);
  });

  it('says there was no output when the playbook ends silently before the play', async () => {
    const exec: CommandRunner = async (_command, args) =>
      args[0] === '--version'
        ? { exitCode: 0, stdout: 'ansible-playbook [core 2.17.1]\n', stderr: '' }
        : { exitCode: 250, stdout: '', stderr: '' };
    await assert.rejects(
      runAnsibleDeploy(settings, deps(exec)),
      actionError('playbook-error', 'ansible-playbook exited with 250 before the play ran: (no output)'),
    );
  });

  it('lets other failures to start a program through as they are', async () => {
    const failure = Object.assign(new Error('spawn ansible-playbook EACCES'), { code: 'EACCES' });
    const exec: CommandRunner = () => Promise.reject(failure);
    await expect(runAnsibleDeploy(settings, deps(exec))).rejects.toBe(failure);
  });
});
