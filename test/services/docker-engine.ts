import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// A real Docker engine for the tests: Debian's `dockerd`, started as root with
// its own data root, exec root and socket, so that it never touches a daemon
// the machine may have and several test files can each run their own.
// `--bridge=none` because every dockerd would otherwise create the same
// `docker0` bridge; builds need no network (the test images are FROM scratch),
// and a container that serves a port runs with `--network host`.

export interface DockerEngine {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** Runs the docker CLI against this engine; rejects on a non-zero exit. */
  docker(args: string[], options?: { env?: Record<string, string> }): Promise<string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startDockerEngine(): Promise<DockerEngine> {
  if (!(await which('dockerd'))) {
    throw new Error('dockerd is not installed: apt-get install docker.io (the Docker tier cannot run without it)');
  }
  // Short paths: a unix socket path is limited to 108 bytes.
  const root = await mkdtemp(path.join(tmpdir(), 'dkr-'));
  const socket = path.join(root, 'docker.sock');
  const host = `unix://${socket}`;
  const log = createWriteStream(path.join(root, 'dockerd.log'));
  const daemon: ChildProcess = spawn(
    'dockerd',
    [
      `--data-root=${path.join(root, 'data')}`,
      `--exec-root=${path.join(root, 'exec')}`,
      `--pidfile=${path.join(root, 'dockerd.pid')}`,
      `--host=${host}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  daemon.stdout?.pipe(log);
  daemon.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));

  const docker = async (args: string[], options: { env?: Record<string, string> } = {}) => {
    const { stdout } = await run('docker', args, {
      env: { ...process.env, DOCKER_HOST: host, ...options.env },
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout;
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (daemon.exitCode !== null) {
      throw new Error(
        `dockerd exited with ${daemon.exitCode}:\n${await readFile(path.join(root, 'dockerd.log'), 'utf8')}`,
      );
    }
    try {
      await docker(['version', '--format', '{{.Server.Version}}']);
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        daemon.kill('SIGKILL');
        throw new Error(`dockerd did not answer within 30 s: ${String(error)}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return {
    host,
    docker,
    async stop() {
      daemon.kill('SIGTERM');
      const killer = setTimeout(() => daemon.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      log.end();
      // After a `--network host` container, dockerd 20.10 leaves its host
      // network namespace mounted when it exits; the data root cannot be
      // removed until it is unmounted.
      await run('umount', [path.join(root, 'exec', 'netns', 'default')]).catch(() => undefined);
      // The data root holds overlay mounts only while the daemon runs.
      await rm(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

async function which(program: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
}
