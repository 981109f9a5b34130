import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { runAction, type ActionRun } from '../harness/run-action.ts';
import { freePort } from '../services/free-port.ts';
import { startSshServer, type SshServer } from '../services/sshd.ts';

// ansible-deploy's committed bundle, main then post, with Debian's ansible
// against a real sshd on loopback (the managed "host" is this machine, reached
// over SSH with a generated key and checked against its generated host key).

const VAULT_PASSWORD = 'vault-pw-7c1e0b';
const SECRET_IN_VAULT = 'db-password-from-vault-4411';

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: write the release file
      copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}.txt"
        content: "{{ release_note }}\\n"
        mode: "0644"
    - name: write the vaulted secret
      copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}.secret"
        content: "{{ db_password }}\\n"
        mode: "0600"
      when: db_password is defined
      no_log: true
    - name: refuse when asked
      fail:
        msg: "deploy refused: {{ reason | default('asked') }}"
      when: fail_now | default(false) | bool
`;

let sshd: SshServer;
let root: string;
let closedPort: number;

beforeAll(async () => {
  sshd = await startSshServer();
  root = await mkdtemp(path.join(tmpdir(), 'ansible-e2e-'));
  closedPort = await freePort();
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), rm(root, { recursive: true, force: true })]);
});

interface Checkout {
  workspace: string;
  target: string;
}

/** A checkout with the playbook, and an empty directory on the "host" for it to write to. */
async function checkout(name: string): Promise<Checkout> {
  const workspace = path.join(root, name, 'workspace');
  const target = path.join(root, name, 'target');
  await mkdir(path.join(workspace, 'ansible'), { recursive: true });
  await mkdir(target, { recursive: true });
  await writeFile(path.join(workspace, 'ansible', 'site.yml'), PLAYBOOK);
  return { workspace, target };
}

function hostLine(name: string, port = sshd.port): string {
  return `${name} ansible_host=127.0.0.1 ansible_port=${port} ansible_user=${sshd.user} ansible_python_interpreter=/usr/bin/python3`;
}

async function deploy(co: Checkout, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction('ansible-deploy', {
    workspace: co.workspace,
    inputs: {
      'working-directory': 'ansible',
      playbook: 'site.yml',
      inventory: `[app]\n${hostLine('target')}\n`,
      'private-key': sshd.clientKey,
      'known-hosts': sshd.knownHosts,
      'extra-vars': `target_dir: ${co.target}\nrelease_note: first`,
      ...inputs,
    },
    timeoutMs: 180_000,
  });
}

/** Every file under RUNNER_TEMP after post, and every file of the checkout: no key, vault or known_hosts may remain. */
async function leftovers(run: ActionRun, co: Checkout): Promise<{ runnerTemp: string[]; checkout: string[] }> {
  return {
    runnerTemp: (await readdir(run.runnerTemp, { recursive: true })).map(String),
    checkout: (await readdir(co.workspace, { recursive: true })).map(String).sort(),
  };
}

describe('ansible-deploy end to end', () => {
  it('changes files, then changes nothing on a second run; check mode changes nothing; no secret remains or shows', async () => {
    const co = await checkout('idempotent');
    // Quotes, spaces, a colon and newlines in a value: they must arrive exactly.
    const note = `it's "quoted": a value\nwith two lines & $HOME`;
    const extraVars = JSON.stringify({ target_dir: co.target, release_note: note });

    const first = await deploy(co, { 'extra-vars': extraVars });
    try {
      assert.equal(first.main.exitCode, 0, first.main.log);
      assert.equal(await readFile(path.join(co.target, 'target.txt'), 'utf8'), `${note}\n`);
      assert.equal(first.main.outputs.changed, '1');
      assert.equal(first.main.outputs.failed, '0');
      assert.equal(first.main.outputs['changed-hosts'], 'target');
      assert.deepEqual(JSON.parse(first.main.outputs.hosts ?? '{}'), {
        target: { ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 2, rescued: 0, ignored: 0 },
      });
      assert.match(first.main.summary, /### ✅ ansible-deploy: `ansible\/site.yml` on 1 host/);
      assert.ok(first.main.summary.includes('| target | 1 | 1 | 0 | 0 | 2 | 0 | 0 |'));
      // Ansible's own output stays in the log.
      assert.match(first.main.log, /PLAY RECAP/);

      // Every line of the key was masked; no secret is in the log, outputs or summary.
      for (const line of sshd.clientKey.trim().split('\n')) assert.ok(first.main.masks.includes(line.trim()), line);
      const visible = first.visibleText();
      for (const line of sshd.clientKey.trim().split('\n').slice(1, -1)) assert.ok(!visible.includes(line));
      // No key, vars or known_hosts file is left, in RUNNER_TEMP or in the checkout.
      assert.equal(first.post?.exitCode, 0, first.post?.log);
      assert.deepEqual(await leftovers(first, co), { runnerTemp: [], checkout: ['ansible', 'ansible/site.yml'] });
    } finally {
      await first.cleanup();
    }

    const second = await deploy(co, { 'extra-vars': extraVars });
    try {
      assert.equal(second.main.exitCode, 0, second.main.log);
      assert.equal(second.main.outputs.changed, '0');
      assert.equal(second.main.outputs['changed-hosts'], '');
    } finally {
      await second.cleanup();
    }

    const check = await deploy(co, {
      'extra-vars': JSON.stringify({ target_dir: co.target, release_note: 'would change' }),
      check: 'true',
      diff: 'true',
    });
    try {
      assert.equal(check.main.exitCode, 0, check.main.log);
      assert.equal(check.main.outputs.changed, '1');
      assert.equal(await readFile(path.join(co.target, 'target.txt'), 'utf8'), `${note}\n`);
      assert.match(check.main.summary, /check mode: nothing was changed/);
      assert.match(check.main.log, /\+would change/);
    } finally {
      await check.cleanup();
    }
  });

  it('passes secret-vars to the playbook, over extra-vars of the same name, never showing them', async () => {
    const co = await checkout('secret-vars');
    const dotenv = `DATABASE_URL=postgres://app:${randomBytes(12).toString('hex')}@db/app\nAPI_KEY=${randomBytes(12).toString('hex')}`;
    const run = await deploy(co, {
      'extra-vars': `target_dir: ${co.target}\nrelease_note: not the secret one`,
      'secret-vars': JSON.stringify({ release_note: dotenv }),
    });
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(await readFile(path.join(co.target, 'target.txt'), 'utf8')).toBe(`${dotenv}\n`);
      const visible = run.visibleText();
      for (const line of dotenv.split('\n')) expect(visible).not.toContain(line.split('=')[1]);
      expect(await leftovers(run, co)).toEqual({ runnerTemp: [], checkout: ['ansible', 'ansible/site.yml'] });
    } finally {
      await run.cleanup();
    }
  });

  it('fails on a failing task with an annotation on its line, the outputs and the summary', async () => {
    const co = await checkout('failing');
    const run = await deploy(co, {
      'extra-vars': JSON.stringify({
        target_dir: co.target,
        release_note: 'x',
        fail_now: true,
        reason: 'maintenance window',
      }),
    });
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'hosts-failed');
      assert.equal(run.main.outputs.failed, '1');
      const annotation = run.main.annotations.find(
        (a) => a.level === 'error' && a.properties.title?.startsWith('target:'),
      );
      assert.deepEqual(annotation?.properties, {
        title: 'target: refuse when asked (failed)',
        file: 'ansible/site.yml',
        line: '16',
      });
      assert.equal(annotation?.message, 'deploy refused: maintenance window');
      assert.match(run.main.summary, /#### Failed tasks/);
      assert.match(
        run.main.summary,
        /\| target \| refuse when asked \| failed \| deploy refused: maintenance window \|/,
      );
      // The key and known_hosts are gone after a failed run too.
      assert.deepEqual((await leftovers(run, co)).runnerTemp, []);
    } finally {
      await run.cleanup();
    }
  });

  it('reports an unreachable host beside a reachable one, and reruns only it', async () => {
    const co = await checkout('unreachable');
    const run = await deploy(co, {
      inventory: `[app]\n${hostLine('target')}\n${hostLine('down', closedPort)}\n`,
      'retries-unreachable': '1',
    });
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'hosts-unreachable');
      assert.equal(run.main.outputs.unreachable, '1');
      const hosts = JSON.parse(run.main.outputs.hosts ?? '{}') as Record<
        string,
        { changed: number; unreachable: number }
      >;
      assert.equal(hosts.target?.changed, 1);
      assert.equal(hosts.down?.unreachable, 1);
      assert.ok(existsSync(path.join(co.target, 'target.txt')));
      assert.match(run.main.log, /1 host unreachable: down; running the playbook again for them/);
      assert.match(run.main.log, /\[command\]ansible-playbook .*--limit down /);
      assert.match(run.main.summary, /The playbook ran 2 times/);
    } finally {
      await run.cleanup();
    }
  });

  it('refuses a host whose key is not the one in known-hosts', async () => {
    const co = await checkout('wrong-host-key');
    const run = await deploy(co, { 'known-hosts': sshd.wrongKnownHosts });
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'hosts-unreachable');
      assert.match(run.main.log, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
      assert.equal(existsSync(path.join(co.target, 'target.txt')), false);
    } finally {
      await run.cleanup();
    }
  });

  it('decrypts vault-encrypted vars with the vault password, which never shows', async () => {
    const co = await checkout('vault');
    const passwordFile = path.join(root, 'vault-password');
    await writeFile(passwordFile, VAULT_PASSWORD);
    const varsFile = path.join(co.workspace, 'ansible', 'secrets.yml');
    await writeFile(varsFile, `db_password: ${SECRET_IN_VAULT}\n`);
    await promisify(execFile)('ansible-vault', ['encrypt', '--vault-password-file', passwordFile, varsFile]);
    assert.match(await readFile(varsFile, 'utf8'), /^\$ANSIBLE_VAULT;1\.1;AES256/);
    await writeFile(
      path.join(co.workspace, 'ansible', 'site.yml'),
      PLAYBOOK.replace('  gather_facts: false\n', '  gather_facts: false\n  vars_files: [secrets.yml]\n'),
    );

    const run = await deploy(co, { 'vault-password': VAULT_PASSWORD });
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.equal(await readFile(path.join(co.target, 'target.secret'), 'utf8'), `${SECRET_IN_VAULT}\n`);
      assert.ok(run.main.masks.includes(VAULT_PASSWORD));
      assert.ok(!run.visibleText().includes(VAULT_PASSWORD));
      assert.ok(!run.visibleText().includes(SECRET_IN_VAULT));
      assert.deepEqual((await leftovers(run, co)).runnerTemp, []);
    } finally {
      await run.cleanup();
    }
  });

  it('builds the inventory from Terraform outputs', async () => {
    const co = await checkout('terraform');
    const outputs = {
      hosts: { sensitive: false, type: ['map', ['list', 'string']], value: { web: ['127.0.0.1'] } },
      db_password: { sensitive: true, type: 'string', value: 'not-for-ansible' },
    };
    const run = await deploy(co, {
      inventory: '',
      'inventory-from-terraform': JSON.stringify(outputs),
      'terraform-hosts-output': 'hosts',
      user: sshd.user,
      limit: 'web',
      'extra-vars': JSON.stringify({
        target_dir: co.target,
        release_note: 'from terraform',
        ansible_port: sshd.port,
        ansible_python_interpreter: '/usr/bin/python3',
      }),
    });
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.equal(await readFile(path.join(co.target, '127.0.0.1.txt'), 'utf8'), 'from terraform\n');
      assert.deepEqual(Object.keys(JSON.parse(run.main.outputs.hosts ?? '{}') as object), ['127.0.0.1']);
    } finally {
      await run.cleanup();
    }
  });

  it('installs galaxy requirements first, then uses them', async () => {
    const co = await checkout('requirements');
    // A role packed as galaxy would serve it, installed from a file URL: no network needed.
    const role = path.join(root, 'requirements-role');
    await mkdir(path.join(role, 'greeter', 'tasks'), { recursive: true });
    await mkdir(path.join(role, 'greeter', 'meta'), { recursive: true });
    await writeFile(
      path.join(role, 'greeter', 'tasks', 'main.yml'),
      '- name: greet\n  copy: { dest: "{{ target_dir }}/greeting.txt", content: "hello from a role\\n" }\n',
    );
    await writeFile(
      path.join(role, 'greeter', 'meta', 'main.yml'),
      'galaxy_info: { author: t, license: MIT }\ndependencies: []\n',
    );
    await promisify(execFile)('tar', ['-czf', path.join(role, 'greeter.tar.gz'), '-C', role, 'greeter']);
    await writeFile(
      path.join(co.workspace, 'ansible', 'requirements.yml'),
      `- src: file://${path.join(role, 'greeter.tar.gz')}\n  name: greeter\n`,
    );
    await writeFile(
      path.join(co.workspace, 'ansible', 'site.yml'),
      '- hosts: all\n  gather_facts: false\n  roles: [greeter]\n',
    );
    const run = await deploy(co, { requirements: 'requirements.yml' });
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.match(run.main.log, /greeter was installed successfully/);
      assert.equal(await readFile(path.join(co.target, 'greeting.txt'), 'utf8'), 'hello from a role\n');
    } finally {
      await run.cleanup();
    }
  });

  it('accepts any host key only when told to, and warns', async () => {
    const co = await checkout('no-host-key-checking');
    const run = await deploy(co, { 'known-hosts': '', 'host-key-checking': 'false' });
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.ok(run.main.annotations.some((a) => a.level === 'warning' && /any host key is accepted/.test(a.message)));
    } finally {
      await run.cleanup();
    }
  });

  it('leaves no SSH connection open: a later step with no key and a wrong host key is refused', async () => {
    const co = await checkout('no-shared-connection');
    const run = await deploy(co, {});
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(run.post?.exitCode).toBe(0);
      // No connection is left open, and nothing the step started is still running.
      expect(await sshd.openConnections()).toBe(0);
      expect(await processesOf(run.home)).toEqual([]);
      expect(await controlSockets(run.home)).toEqual([]);
      // A later step of the job: Ansible with its default connection sharing, no key, a wrong host key.
      const later = await laterAnsible(run.home, co);
      expect(later.stdout).toMatch(/UNREACHABLE/);
      expect(later.stdout).not.toMatch(/\| (SUCCESS|CHANGED) \|/);
      expect(later.code).not.toBe(0);
    } finally {
      await run.cleanup();
    }
  });

  it('ends a connection master the inventory turns back on, when the step ends', async () => {
    const co = await checkout('inventory-control-persist');
    const persist = `ansible_ssh_args='-o ControlMaster=auto -o ControlPersist=60s'`;
    const run = await deploy(co, { inventory: `[app]\n${hostLine('target')} ${persist}\n` });
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      // The inventory's master was made in the step's directory, and closed there.
      expect(run.main.log).toMatch(/\[command\]ssh -O exit -o ControlPath=\/\S+\/iac-ssh-\w+\/\w+ /);
      expect(await sshd.openConnections()).toBe(0);
      expect(await processesOf(run.home)).toEqual([]);
      expect(await mastersLeft()).toEqual([]);
      const later = await laterAnsible(run.home, co);
      expect(later.stdout).toMatch(/UNREACHABLE/);
      expect(later.code).not.toBe(0);
    } finally {
      await run.cleanup();
    }
  });

  describe('refuses bad input with one clear error, before Ansible runs or any host is contacted', () => {
    const SECRET = 'xv-secret-4b1f7e0c';
    let listener: Server;
    let contacted = 0;
    beforeAll(async () => {
      // Stands for the hosts: a connection to it is a side effect.
      listener = createServer((socket) => {
        contacted++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

    const cases: [name: string, inputs: Record<string, string>, message: RegExp][] = [
      [
        'a missing playbook',
        { playbook: 'missing.yml' },
        /^Input 'playbook' is 'ansible\/missing\.yml', which does not exist in the repository/,
      ],
      [
        'a playbook outside the repository',
        { playbook: '../../../../etc/passwd' },
        /^Input 'playbook' is '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd', which is outside the repository \(GITHUB_WORKSPACE\)/,
      ],
      [
        'an absolute playbook outside the repository',
        { playbook: '/etc/passwd' },
        /^Input 'playbook' is '\/etc\/passwd', which is outside the repository/,
      ],
      [
        'a working-directory outside the repository',
        { 'working-directory': '../../etc' },
        /^Input 'working-directory' is '\.\.\/\.\.\/etc', which is outside the repository/,
      ],
      [
        'an absolute working-directory',
        { 'working-directory': '/etc' },
        /^Input 'working-directory' is '\/etc', which is outside the repository/,
      ],
      [
        'a missing working-directory',
        { 'working-directory': 'nowhere' },
        /^Input 'working-directory' is 'nowhere', which does not exist in the repository/,
      ],
      [
        'an inventory path outside the repository',
        { inventory: '/etc/hosts' },
        /^Input 'inventory' is '\/etc\/hosts', which is outside the repository/,
      ],
      [
        'an inventory path that climbs out',
        { inventory: '../../../../etc' },
        /^Input 'inventory' is '\.\.\/\.\.\/\.\.\/\.\.\/etc', which is outside the repository/,
      ],
      [
        'requirements outside the repository',
        { requirements: '/etc/passwd' },
        /^Input 'requirements' is '\/etc\/passwd', which is outside the repository/,
      ],
      [
        'a missing requirements file',
        { requirements: 'requirements.yml' },
        /^Input 'requirements' is 'ansible\/requirements\.yml', which does not exist/,
      ],
      [
        'an ansible-config outside the repository',
        { 'ansible-config': '../../../../etc/ansible/ansible.cfg' },
        /^Input 'ansible-config' is '.*', which is outside the repository/,
      ],
      [
        'a limit read from a file',
        { limit: '@/etc/passwd' },
        /^Input 'limit' has an '@file' of hosts, which is not supported/,
      ],
      ['a user with a line break', { user: 'deploy\nroot' }, /^Input 'user' has a space or a line break/],
      ['tags with a line break', { tags: 'a\nb' }, /^Input 'tags' has a line break or a control character/],
      ['no inventory', { inventory: '' }, /^Input 'inventory' is required/],
      [
        'a YAML inventory value starting with *',
        { inventory: `all:\n  hosts:\n    web1:\n      ansible_password: *${SECRET}\n` },
        /^Input 'inventory' is not valid here: line 4, column \d+ starts with `\*`/,
      ],
      ['extra-vars that are a list', { 'extra-vars': '- a\n- b' }, /^Input 'extra-vars' must be a mapping/],
      [
        'an extra-vars value starting with *',
        { 'extra-vars': `db_password: *${SECRET}` },
        /^Input 'extra-vars' is not valid here: line 1, column \d+ starts with `\*`/,
      ],
      [
        'an extra-vars value starting with !',
        { 'extra-vars': `db_password: !${SECRET}` },
        /^Input 'extra-vars' is not valid here: line 1, column \d+ starts with `!`/,
      ],
      [
        'a public key as private-key',
        { 'private-key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE user@host' },
        /^Input 'private-key' is a public key/,
      ],
      ['no known-hosts', { 'known-hosts': '' }, /^Input 'known-hosts' is empty, so host keys cannot be checked/],
      [
        'a Terraform output that is not there',
        { 'inventory-from-terraform': '{"other": {"value": []}}', 'terraform-hosts-output': 'hosts' },
        /^Input 'terraform-hosts-output' names the output 'hosts', which is not among the Terraform outputs/,
      ],
      [
        'a sensitive Terraform output of the wrong shape',
        {
          'inventory-from-terraform': JSON.stringify({ hosts: { sensitive: true, value: { web: SECRET } } }),
          'terraform-hosts-output': 'hosts',
        },
        /^Input 'terraform-hosts-output' names the output 'hosts' \(sensitive\): group 1 is a string; expected a list of addresses$/,
      ],
    ];
    for (const [name, inputs, message] of cases) {
      it(`refuses ${name}`, async () => {
        const co = await checkout(`bad-input-${name.replace(/\W+/g, '-')}`);
        const port = (listener.address() as AddressInfo).port;
        const run = await deploy(co, { inventory: `[app]\n${hostLine('target', port)}\n`, ...inputs });
        try {
          expect(run.main.exitCode).toBe(1);
          expect(run.main.outputs['failure-reason'], run.main.log).toBe('invalid-input');
          const errors = run.main.annotations.filter((a) => a.level === 'error');
          expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
          expect(errors[0]!.message).not.toContain('\n');
          expect(run.main.log).not.toMatch(/\n\s+at /);
          // No process ran (not even `ansible-playbook --version`), no host was contacted.
          expect(run.main.log).not.toContain('[command]');
          expect(contacted).toBe(0);
          expect(run.visibleText()).not.toContain(SECRET);
          expect((await leftovers(run, co)).runnerTemp).toEqual([]);
        } finally {
          await run.cleanup();
        }
      });
    }
  });
});

/**
 * The command lines of running processes of a step whose HOME was `home`: by
 * their environment, or, for an ssh master (whose process title overwrites its
 * environment), by the socket under `home` its title names.
 */
async function processesOf(home: string): Promise<string[]> {
  return (await processes())
    .filter((p) => p.environ.includes(`HOME=${home}`) || p.command.includes(home))
    .map((p) => p.command);
}

/** SSH masters of ansible-deploy steps still running (`ssh: <socket> [mux]`, the socket in a step's control directory). */
async function mastersLeft(): Promise<string[]> {
  const prefix = `ssh: ${path.join(tmpdir(), 'iac-ssh-')}`;
  return (await processes()).filter((p) => p.command.startsWith(prefix)).map((p) => p.command);
}

async function processes(): Promise<{ command: string; environ: string[] }[]> {
  const found: { command: string; environ: string[] }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = (await readFile(`/proc/${name}/environ`, 'latin1')).split('\0');
      const command = (await readFile(`/proc/${name}/cmdline`, 'latin1')).split('\0').join(' ').trim();
      found.push({ command, environ });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** SSH control sockets left in Ansible's default place under `home`. */
async function controlSockets(home: string): Promise<string[]> {
  const dir = path.join(home, '.ansible', 'cp');
  return existsSync(dir) ? (await readdir(dir)).map(String) : [];
}

/**
 * A later step of the same job on the same runner: an ad-hoc Ansible command
 * with Ansible's default connection sharing (`~/.ansible/cp`), no private key
 * and a known_hosts that holds another key for the host.
 */
async function laterAnsible(home: string, co: Checkout): Promise<{ code: number; stdout: string }> {
  const wrong = path.join(path.dirname(co.target), 'wrong_known_hosts');
  await writeFile(wrong, `${sshd.wrongKnownHosts}\n`);
  const args = ['all', '-i', '127.0.0.1,', '-u', sshd.user, '-e', `ansible_port=${sshd.port}`];
  args.push('-e', 'ansible_python_interpreter=/usr/bin/python3', '-m', 'command', '-a', 'id -un');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_COMMON_ARGS: `-o UserKnownHostsFile=${wrong} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes`,
    ...(process.env.IAC_ACTIONS_TEST_RUN ? { IAC_ACTIONS_TEST_RUN: process.env.IAC_ACTIONS_TEST_RUN } : {}),
  };
  try {
    const { stdout } = await promisify(execFile)('ansible', args, { env, timeout: 60_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '' };
  }
}
