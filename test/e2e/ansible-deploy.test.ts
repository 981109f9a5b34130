import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
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

  it('refuses bad input with one clear error, before Ansible runs', async () => {
    const co = await checkout('bad-input');
    const cases: [Record<string, string>, RegExp][] = [
      [{ playbook: 'missing.yml' }, /Input 'playbook' is 'missing.yml', which does not exist/],
      [{ inventory: '' }, /Input 'inventory' is required/],
      [{ 'extra-vars': '- a\n- b' }, /Input 'extra-vars' must be a mapping/],
      [{ 'private-key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE user@host' }, /Input 'private-key'/],
      [{ 'known-hosts': '' }, /Input 'known-hosts' is empty, so host keys cannot be checked/],
      [
        { 'inventory-from-terraform': '{"other": {"value": []}}', 'terraform-hosts-output': 'hosts' },
        /Input '.*' .*hosts/,
      ],
    ];
    for (const [inputs, message] of cases) {
      const run = await deploy(co, inputs);
      try {
        assert.equal(run.main.exitCode, 1, JSON.stringify(inputs));
        assert.equal(run.main.outputs['failure-reason'], 'invalid-input', run.main.log);
        assert.match(run.main.log, message);
        assert.doesNotMatch(run.main.log, /\[command\]ansible/);
      } finally {
        await run.cleanup();
      }
    }
  });
});
