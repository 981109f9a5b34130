import { randomBytes } from 'node:crypto';
import { access, chmod, constants, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../test/harness/run-action.ts';
import { startDockerEngine } from '../test/services/docker-engine.ts';
import { startRegistry } from '../test/services/registry.ts';
import { interleave, median, medianRatio, ms, printTable, runProcess, times, verdict } from './measure.ts';

// docker-publish through the committed bundle against a real engine and
// registry on loopback, alternating with the same work done by hand: `docker
// login` with the same credentials, `docker build` with the same OCI labels
// (read from the action's `labels` output) and `docker push` of the same tag.
// Each run gets a fresh context (FROM scratch + 20 MiB): nothing cached,
// nothing already in the registry. A `docker` wrapper on PATH notes when the
// action calls `docker build`: the time before it is the action's own.
const USER = { username: 'bench', password: 'bench-password' };
const ROUNDS = 5;
/** The action over the by-hand commands: its start-up, login and reports on top of the same build and push. */
const GOAL = 1.3;

export async function benchDockerPublish(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-publish-'));
  const [engine, registry] = await Promise.all([
    startDockerEngine(),
    startRegistry({ [USER.username]: USER.password }),
  ]);
  try {
    const docker = await realDocker();
    const wrapperDir = path.join(dir, 'bin');
    const calls = path.join(dir, 'docker-calls');
    await mkdir(wrapperDir);
    await writeFile(
      path.join(wrapperDir, 'docker'),
      `#!/bin/sh\nprintf '%s %s\\n' "$(date +%s%3N)" "$1" >> ${calls}\nexec ${docker} "$@"\n`,
    );
    await chmod(path.join(wrapperDir, 'docker'), 0o755);
    const env = { DOCKER_HOST: engine.host, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` };

    let contexts = 0;
    const overheads: number[] = [];
    let labels: string[] = [];
    const publish = async () => {
      const n = contexts++;
      const context = await makeContext(path.join(dir, `context-${n}`));
      await writeFile(calls, '');
      const started = Date.now();
      const run = await runAction('docker-publish', {
        inputs: {
          images: `${registry.host}/bench/app-${n}`,
          context: path.relative(dir, context),
          tags: 'type=raw,value=1',
          'registry-username': USER.username,
          'registry-password': USER.password,
        },
        env,
        workspace: dir,
        timeoutMs: 300_000,
      });
      await run.cleanup();
      if (run.main.exitCode !== 0) throw new Error(`docker-publish failed:\n${run.main.log.slice(-3000)}`);
      const dockerCalls = (await readFile(calls, 'utf8')).split('\n');
      const build = dockerCalls.find((line) => / (build|buildx)$/.test(line));
      if (!build || !dockerCalls.some((line) => line.endsWith(' login'))) {
        throw new Error(`docker-publish did not log in and build through docker:\n${dockerCalls.join('\n')}`);
      }
      overheads.push(Number(build.split(' ')[0]) - started);
      labels = (run.main.outputs.labels ?? '').split('\n').filter(Boolean);
    };
    const byHand = async () => {
      const n = contexts++;
      const context = await makeContext(path.join(dir, `context-${n}`));
      const reference = `${registry.host}/bench/hand-${n}:1`;
      // A fresh client config each time: the action logs in on every run too.
      const handEnv = {
        DOCKER_HOST: engine.host,
        PATH: process.env.PATH ?? '',
        DOCKER_CONFIG: path.join(dir, `config-${n}`),
      };
      const steps: [string[], string?][] = [
        [['login', '--username', USER.username, '--password-stdin', registry.host], USER.password],
        [['build', '--quiet', '--tag', reference, ...labels.flatMap((label) => ['--label', label]), context]],
        [['push', '--quiet', reference]],
      ];
      for (const [args, input] of steps) {
        const result = await runProcess(docker, args, { env: handEnv, input });
        if (result.exitCode !== 0) throw new Error(`docker ${args[0]} failed:\n${result.stderr}`);
      }
    };
    await publish(); // warm-up: the engine's first build, and the labels the action sets
    if (!labels.some((label) => label.startsWith('org.opencontainers.image.'))) {
      throw new Error(`docker-publish output no OCI labels: ${labels.join(', ')}`);
    }
    const t = await interleave(ROUNDS, { action: publish, byHand });
    const ratio = medianRatio(t.action, t.byHand);
    printTable(
      `docker-publish vs by hand (login, build with the same ${labels.length} labels, push), alternately, ${ROUNDS} rounds, a fresh 20 MiB context each; real engine and registry on loopback`,
      ['action', 'by hand', 'action / by hand', 'goal', '', 'step start → docker build'],
      [
        [
          ms(median(t.action)),
          ms(median(t.byHand)),
          times(ratio),
          `≤ ${GOAL}×`,
          verdict(ratio, GOAL),
          ms(median(overheads.slice(1))),
        ],
      ],
    );
  } finally {
    await Promise.all([engine.stop(), registry.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeContext(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile('/usr/bin/busybox', path.join(dir, 'busybox')).catch(() => writeFile(path.join(dir, 'busybox'), ''));
  await writeFile(path.join(dir, 'data.bin'), randomBytes(20 * 1024 * 1024));
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY data.bin /data.bin\n');
  return dir;
}

async function realDocker(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'docker');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('docker CLI not found on PATH');
}
