import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { childEnv, type CommandRunner } from '../util/command.ts';

// SSH connection sharing. Ansible's default (`ControlMaster=auto`,
// `ControlPersist=60s`, sockets in ~/.ansible/cp) leaves an authenticated
// master connection open after the play: a later step of the job, with no key
// and any host key, would run commands through it. ansible-deploy turns
// sharing off (playbook-command.ts); should an inventory or play turn it back
// on, its sockets are in a directory of this step's own, and every master
// found there is closed when the step ends (main, and post after a cancel).

/**
 * The step's directory for control sockets. Not under RUNNER_TEMP: a unix
 * socket path is limited to 108 bytes, and ssh adds a 40-character hash and a
 * temporary suffix to the directory. mkdtemp makes it 0700.
 */
export function createControlDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'iac-ssh-'));
}

/**
 * Closes every SSH master with a socket in `dir` (`ssh -O exit`), ends any
 * whose socket is gone but whose process remains, and removes the directory.
 * Never throws: it runs in cleanup.
 */
export async function closeSshMasters(dir: string, exec: CommandRunner): Promise<void> {
  let sockets: string[] = [];
  try {
    sockets = (await readdir(dir)).map((name) => path.join(dir, name));
  } catch {
    // no directory: nothing was shared
  }
  for (const socket of sockets) {
    try {
      await exec('ssh', ['-O', 'exit', '-o', `ControlPath=${socket}`, 'iac-ansible-deploy'], {
        cwd: dir,
        env: childEnv(process.env),
        echo: false,
        timeoutMs: 10_000,
      });
    } catch {
      // no ssh client: the process scan below ends the master
    }
  }
  await endMasterProcesses(dir);
  await rm(dir, { recursive: true, force: true });
}

/**
 * A master names its socket in its process title (`ssh: <socket> [mux]`);
 * it is the only trace left of it, since the title overwrites its
 * environment. Linux only (/proc); elsewhere `ssh -O exit` is the way.
 */
async function endMasterProcesses(dir: string): Promise<void> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  const prefix = `ssh: ${dir}${path.sep}`;
  for (const pid of pids) {
    try {
      const title = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0+$/, '');
      if (title.startsWith(prefix)) process.kill(Number(pid), 'SIGTERM');
    } catch {
      // ended meanwhile, or not ours
    }
  }
}
