import { randomBytes } from 'node:crypto';
import { access, chmod, constants, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../test/harness/run-action.ts';
import { startDockerEngine } from '../test/services/docker-engine.ts';
import { startRegistry } from '../test/services/registry.ts';
import { median, ms, printTable } from './table.ts';

// docker-publish through the committed bundle against a real engine and
// registry on loopback: a first publish of a fresh context (nothing cached,
// nothing in the registry), then the same context again (build cache and
// layers already pushed), and the same work done by hand with `docker build`
// and `docker push` for scale. The action's own overhead is the time from the
// step's start to the moment it runs `docker build`, seen by a `docker`
// wrapper on PATH that notes when it is called.
const USER = { username: 'bench', password: 'bench-password' };
const RUNS = 5;

export async function benchDockerPublish(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-publish-'));
  const [engine, registry] = await Promise.all([
    startDockerEngine(),
    startRegistry({ [USER.username]: USER.password }),
  ]);
  try {
    const wrapperDir = path.join(dir, 'bin');
    const calls = path.join(dir, 'docker-calls');
    await mkdir(wrapperDir);
    await writeFile(
      path.join(wrapperDir, 'docker'),
      `#!/bin/sh\nprintf '%s %s\\n' "$(date +%s%3N)" "$1" >> ${calls}\nexec ${await realDocker()} "$@"\n`,
    );
    await chmod(path.join(wrapperDir, 'docker'), 0o755);
    const env = { DOCKER_HOST: engine.host, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` };

    const rows: string[][] = [];
    const overheads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await makeContext(path.join(dir, `context-${i}`));
      const image = `${registry.host}/bench/app-${i}`;
      for (const label of ['first publish', 'unchanged context']) {
        await writeFile(calls, '');
        const started = Date.now();
        const run = await runAction('docker-publish', {
          inputs: {
            images: image,
            context,
            tags: 'type=raw,value=1',
            // No created-date label: an unchanged context must give an unchanged image.
            labels: 'org.opencontainers.image.created=',
            'registry-username': USER.username,
            'registry-password': USER.password,
          },
          env,
          timeoutMs: 300_000,
        });
        await run.cleanup();
        if (run.main.exitCode !== 0) throw new Error(`docker-publish failed:\n${run.main.log.slice(-3000)}`);
        const buildCall = (await readFile(calls, 'utf8')).split('\n').find((line) => line.endsWith(' build'));
        const overhead = Number(buildCall?.split(' ')[0]) - started;
        overheads.push(overhead);
        const metadata = JSON.parse(run.main.outputs.metadata ?? '{}') as { 'build-ms': number };
        if (i === 0) rows.push([label, ms(run.main.durationMs), ms(metadata['build-ms']), ms(overhead)]);
        else rows.push([`${label} (${i + 1})`, ms(run.main.durationMs), ms(metadata['build-ms']), ms(overhead)]);
      }
    }
    // The same build and push by hand, fresh context each time.
    const byHand: number[] = [];
    await engine.docker(['login', '-u', USER.username, '-p', USER.password, registry.host], {
      env: { DOCKER_CONFIG: dir },
    });
    for (let i = 0; i < RUNS; i++) {
      const context = await makeContext(path.join(dir, `hand-${i}`));
      const reference = `${registry.host}/bench/hand-${i}:1`;
      const started = performance.now();
      await engine.docker(['build', '-q', '-t', reference, context], { env: { DOCKER_CONFIG: dir } });
      await engine.docker(['push', reference], { env: { DOCKER_CONFIG: dir } });
      byHand.push(performance.now() - started);
    }
    printTable(
      `docker-publish, ${RUNS} fresh contexts (FROM scratch + 20 MiB) each published twice; real engine and registry on loopback`,
      ['run', 'step wall time', 'docker build', 'step start → docker build'],
      rows,
    );
    printTable(
      'Summary',
      ['measure', 'median'],
      [
        ["step start → docker build (the action's own overhead)", ms(median(overheads))],
        [
          'first publish, step wall time',
          ms(median(rows.filter((r) => r[0]!.startsWith('first')).map((r) => parseFloat(r[1]!)))),
        ],
        [
          'unchanged context, step wall time',
          ms(median(rows.filter((r) => r[0]!.startsWith('unchanged')).map((r) => parseFloat(r[1]!)))),
        ],
        ['by hand: docker build -q && docker push (fresh context)', ms(median(byHand))],
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
