import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { startSshServer, type SshServer } from './sshd.ts';

const run = promisify(execFile);

describe('startSshServer', () => {
  let server: SshServer;
  let dir: string;

  beforeAll(async () => {
    server = await startSshServer();
    dir = await mkdtemp(path.join(tmpdir(), 'sshd-test-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** ssh as a test would call it directly, checking the host key against `knownHosts`. */
  async function sshWith(knownHosts: string, command: string, ...options: string[]) {
    const file = path.join(dir, `known_hosts-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, `${knownHosts}\n`);
    return run('ssh', [
      ...['-F', '/dev/null', '-i', server.clientKeyPath, '-p', String(server.port)],
      ...['-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes'],
      ...['-o', `UserKnownHostsFile=${file}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      ...options,
      `${server.user}@${server.host}`,
      command,
    ]);
  }

  it('runs a command as the current user', async () => {
    assert.equal(server.user, (await run('id', ['-un'])).stdout.trim());
    assert.equal(
      await server.ssh('echo "$(id -un) in $HOME"; echo second line >&2'),
      `${server.user} in ${process.env.HOME ?? '/root'}\n`,
    );
  });

  it('gives the client key as content and as a 0600 file, usable with ssh directly', async () => {
    assert.match(server.clientKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[^]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    assert.equal((await stat(server.clientKeyPath)).mode & 0o777, 0o600);
    const { stdout } = await sshWith(server.knownHosts, 'printf %s ok');
    assert.equal(stdout, 'ok');
  });

  it('gives known_hosts lines for the port, the right one and a wrong one', () => {
    assert.match(server.knownHosts, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 AAAA\\S+$`));
    assert.match(server.wrongKnownHosts, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 AAAA\\S+$`));
    assert.notEqual(server.knownHosts, server.wrongKnownHosts);
  });

  it('is refused by ssh with the wrong known_hosts', async () => {
    await assert.rejects(sshWith(server.wrongKnownHosts, 'true'), (error: Error & { stderr: string }) => {
      assert.match(error.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      return true;
    });
  });

  it('reports a failing command with its stderr', async () => {
    await assert.rejects(server.ssh('echo broken >&2; exit 3'), /^Error: ssh echo broken >&2; exit 3 failed: broken$/);
  });

  it('ends connections that an ssh ControlPersist master (as Ansible uses) holds open when it stops', async () => {
    const other = await startSshServer();
    const master = ['-o', `ControlPath=${path.join(dir, 'cp-%p')}`];
    try {
      await run('ssh', [
        ...['-F', '/dev/null', '-i', other.clientKeyPath, '-p', String(other.port), '-o', 'BatchMode=yes'],
        ...['-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=/dev/null`, '-o', 'LogLevel=ERROR'],
        ...['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60', ...master],
        `${other.user}@${other.host}`,
        'true',
      ]);
      const check = ['-F', '/dev/null', '-p', String(other.port), ...master, '-O', 'check', other.host];
      await run('ssh', check);
      await other.stop();
      await assert.rejects(run('ssh', check), /No such file or directory|Control socket connect/);
    } finally {
      await other.stop();
    }
  });

  it('counts the connections a ControlPersist master holds open, and none once it exits', async () => {
    const socket = path.join(dir, 'cp-count');
    const base = ['-F', '/dev/null', '-p', String(server.port), '-o', `ControlPath=${socket}`];
    expect(await server.openConnections()).toBe(0);
    await run('ssh', [
      ...base,
      ...['-i', server.clientKeyPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'],
      ...['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60'],
      `${server.user}@${server.host}`,
      'true',
    ]);
    try {
      expect(await server.openConnections(200)).toBe(1);
    } finally {
      await run('ssh', [...base, '-O', 'exit', server.host]);
    }
    expect(await server.openConnections()).toBe(0);
  });

  it('runs beside other servers, and stops', async () => {
    const others = await Promise.all([startSshServer(), startSshServer()]);
    try {
      assert.equal(new Set([server.port, ...others.map((other) => other.port)]).size, 3);
      for (const other of others) {
        assert.match(
          await other.ssh('echo $SSH_CONNECTION'),
          new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${other.port}\n$`),
        );
      }
    } finally {
      await Promise.all(others.map((other) => other.stop()));
    }
    for (const other of others) assert.equal(await accepts(other.port), false, `port ${other.port} still open`);
    assert.equal(await server.ssh('echo still here'), 'still here\n');
  });
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
