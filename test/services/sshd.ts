import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

// A real OpenSSH server on loopback for the Ansible tests: its own config,
// host key and authorised client key in a temp dir, so that several test
// files can each start one at the same time. Started as root, as the tests run.

export interface SshServer {
  host: '127.0.0.1';
  port: number;
  /** The current user, who may log in with `clientKey`. */
  user: string;
  /** OpenSSH private key content (ed25519) authorised to log in. */
  clientKey: string;
  /** The same key as a 0600 file, for direct ssh use in tests. */
  clientKeyPath: string;
  /** A known_hosts line for [127.0.0.1]:port with the server's host key. */
  knownHosts: string;
  /** A known_hosts line for the same host with another (valid) key. */
  wrongKnownHosts: string;
  /** Runs a command through ssh with the client key, strict host key checking against knownHosts; its stdout. */
  ssh(command: string): Promise<string>;
  /**
   * How many SSH connections are open now (sshd's per-connection processes),
   * once those closing have ended (up to `settleMs`): 0 proves no client
   * holds one open, such as an ssh ControlPersist master.
   */
  openConnections(settleMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const MISSING = 'install the Debian package openssh-server (it brings openssh-client: ssh, ssh-keygen)';
const execFileAsync = promisify(execFile);

// A test that fails before stop() would otherwise hang its file's process on
// the server, or leave sshd running: servers do not keep node alive, and die
// with it.
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [server, root] of running) {
    endConnections(server);
    server.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

export async function startSshServer(): Promise<SshServer> {
  try {
    await access(SSHD, constants.X_OK);
  } catch {
    throw new Error(`${SSHD} is missing: ${MISSING}`);
  }
  const root = await mkdtemp(path.join(tmpdir(), 'sshd-'));
  try {
    return await startIn(root);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(root: string): Promise<SshServer> {
  const file = (name: string) => path.join(root, name);
  await Promise.all([keygen(file('host_ed25519_key')), keygen(file('other_host_key')), keygen(file('client_key'))]);
  const [hostKey, otherHostKey, clientPublicKey, clientKey] = await Promise.all([
    readFile(file('host_ed25519_key.pub'), 'utf8'),
    readFile(file('other_host_key.pub'), 'utf8'),
    readFile(file('client_key.pub'), 'utf8'),
    readFile(file('client_key'), 'utf8'),
  ]);
  await writeFile(file('authorized_keys'), clientPublicKey, { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const user = userInfo().username;
  // Between freePort closing its socket and sshd binding, another test may
  // take the port: then sshd exits at once, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const knownHosts = `[127.0.0.1]:${port} ${hostKeyOf(hostKey)}`;
    const wrongKnownHosts = `[127.0.0.1]:${port} ${hostKeyOf(otherHostKey)}`;
    await writeFile(file('known_hosts'), `${knownHosts}\n`);
    const config = file(`sshd_config.${port}`);
    await writeFile(
      config,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${file('host_ed25519_key')}`,
        `AuthorizedKeysFile ${file('authorized_keys')}`,
        `PidFile ${file('sshd.pid')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'UseDNS no',
        'LogLevel ERROR',
        // Ansible copies its modules with sftp (scp, too, speaks sftp since OpenSSH 9).
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    const server = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    server.once('error', (error) => (log += `${error.message}\n`));
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    running.set(server, root);
    void exited.then(() => running.delete(server));
    const ssh = (command: string, knownHostsFile = file('known_hosts')) =>
      runSsh(
        [
          '-F',
          '/dev/null',
          '-i',
          file('client_key'),
          '-p',
          String(port),
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${knownHostsFile}`,
          '-o',
          'GlobalKnownHostsFile=/dev/null',
          '-o',
          'ConnectTimeout=10',
          '-o',
          'LogLevel=ERROR',
          `${user}@127.0.0.1`,
          command,
        ],
        () => log,
      );

    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!ready && server.exitCode === null && server.signalCode === null && Date.now() < deadline) {
      ready = await sendsBanner(port);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!ready) {
      if (server.exitCode === null) server.kill('SIGKILL');
      await exited;
      if (/Address already in use/i.test(log) && attempt < 5) continue;
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}`);
    }
    try {
      await ssh('true');
    } catch (error) {
      server.kill('SIGKILL');
      await exited;
      throw error;
    }

    server.unref();
    (server.stderr as Socket).unref();
    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user,
      clientKey,
      clientKeyPath: file('client_key'),
      knownHosts,
      wrongKnownHosts,
      ssh: (command) => ssh(command),
      async openConnections(settleMs = 3_000) {
        const deadline = Date.now() + settleMs;
        let open = server.pid === undefined ? 0 : childrenOf(server.pid).length;
        while (open > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          open = server.pid === undefined ? 0 : childrenOf(server.pid).length;
        }
        return open;
      },
      stop() {
        stopped ??= (async () => {
          // Each connection has its own sshd process, which outlives the
          // listener (an ssh ControlPersist master keeps one open): end them
          // first, while the listener is there to reap them.
          const deadline = Date.now() + 5_000;
          while (endConnections(server) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          server.ref();
          server.kill('SIGTERM');
          await exited;
          await rm(root, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
}

async function keygen(keyFile: string): Promise<void> {
  try {
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', path.basename(keyFile), '-f', keyFile]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`ssh-keygen is missing: ${MISSING}`, { cause: error });
    }
    throw error;
  }
}

/** Runs ssh; a failure says what ssh and the server said meanwhile. */
async function runSsh(args: string[], serverLog: () => string): Promise<string> {
  const logStart = serverLog().length;
  try {
    const { stdout } = await execFileAsync('ssh', args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(`ssh is missing: ${MISSING}`, { cause: error });
    }
    throw new Error(
      `ssh ${args.at(-1)} failed: ${failure.stderr?.trim() || failure.message}\n${serverLog().slice(logStart)}`.trim(),
      {
        cause: error,
      },
    );
  }
}

/** `type base64` of a public key file's line, without its comment. */
function hostKeyOf(publicKeyLine: string): string {
  return publicKeyLine.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Whether an SSH server answers on the port with its `SSH-2.0-…` banner. */
function sendsBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('data', (data: Buffer) => done(data.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** Sends SIGTERM to the per-connection processes of the listener; whether there were any. */
function endConnections(server: ChildProcess): boolean {
  // Once the listener is gone its pid may be another process's.
  if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return false;
  const children = childrenOf(server.pid);
  for (const pid of children) terminate(pid);
  return children.length > 0;
}

/** The pids whose parent is `pid` (Linux /proc); synchronous, for the exit hook. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The fields after the `(command)`, which may itself hold spaces: state, ppid, …
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function terminate(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
