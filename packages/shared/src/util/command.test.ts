import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync, realpathSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { childEnv, spawnRunner } from './command.ts';

let temp: string;
beforeEach(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'command-'));
});
afterEach(() => rm(temp, { recursive: true, force: true }));

describe('spawnRunner', () => {
  const node = process.execPath;

  it('captures output split across many chunks, multi-byte characters intact, and echoes it to the log', async () => {
    const log = new PassThrough();
    const logged: Buffer[] = [];
    log.on('data', (chunk: Buffer) => logged.push(chunk));
    // 300k three-byte characters: chunk boundaries fall inside characters.
    const script = "process.stdout.write('─'.repeat(300000)); process.stderr.write('warn ─'); process.exitCode = 2;";
    const result = await spawnRunner(log)(node, ['-e', script], {
      cwd: temp,
      env: { PATH: process.env.PATH ?? '' },
      echo: true,
    });
    assert.equal(result.exitCode, 2);
    assert.equal(result.stdout, '─'.repeat(300000));
    assert.equal(result.stderr, 'warn ─');
    // stdout and stderr may interleave in the log; every byte of both is there, after the command line.
    const commandLine = `[command]${node} -e ${script}\n`;
    const bytes = Buffer.concat(logged);
    assert.ok(bytes.toString('utf8').startsWith(commandLine));
    assert.equal(
      bytes.length,
      Buffer.byteLength(commandLine) + Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr),
    );
  });

  it('logs only the command line when not echoing', async () => {
    const log = new PassThrough();
    const logged: Buffer[] = [];
    log.on('data', (chunk: Buffer) => logged.push(chunk));
    const script = "console.log('state'.toUpperCase())";
    const result = await spawnRunner(log)(node, ['-e', script], { cwd: temp, env: {}, echo: false });
    assert.equal(result.stdout, 'STATE\n');
    assert.equal(Buffer.concat(logged).toString('utf8'), `[command]${node} -e ${script}\n`);
  });

  it('gives the input on stdin and nowhere else', async () => {
    const log = new PassThrough();
    const logged: Buffer[] = [];
    log.on('data', (chunk: Buffer) => logged.push(chunk));
    const script =
      "let s=''; process.stdin.on('data', (c) => (s += c)).on('end', () => console.log(s.length, process.argv.length))";
    const result = await spawnRunner(log)(node, ['-e', script], {
      cwd: temp,
      env: {},
      echo: true,
      input: 'p@ss\nword',
    });
    assert.equal(result.stdout, '9 1\n');
    assert.doesNotMatch(Buffer.concat(logged).toString('utf8'), /p@ss/);
  });

  it('rejects when the program cannot start', async () => {
    await assert.rejects(
      spawnRunner(new PassThrough())(path.join(temp, 'no-such-program'), ['version'], {
        cwd: temp,
        env: {},
        echo: false,
      }),
      /ENOENT/,
    );
  });
});

/** The environment the tests' programs get: PATH, and the marker that finds a process the run left behind. */
const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  ...(process.env.IAC_ACTIONS_TEST_RUN ? { IAC_ACTIONS_TEST_RUN: process.env.IAC_ACTIONS_TEST_RUN } : {}),
});

/** A log stream and everything written to it so far. */
function capture() {
  const log = new PassThrough();
  const chunks: Buffer[] = [];
  log.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { log, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Whether a process still runs (a zombie awaiting its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !condition();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('spawnRunner: time limit and process group', () => {
  it('ends the program and everything it started at the time limit, and says so', async () => {
    const { log } = capture();
    const started = Date.now();
    const result = await spawnRunner(log)('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('\n(sh was stopped by SIGTERM)');
    // The background sleep was in the program's group: it went with it.
    const sleeper = Number(result.stdout.trim());
    expect(sleeper).toBeGreaterThan(0);
    await until(() => !running(sleeper), 'the background sleep to end');
  });

  it('kills a program that ignores SIGTERM 10 s after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { log, text } = capture();
      const script = 'trap "echo got TERM" TERM; echo ready; while :; do sleep 0.05; done';
      const pending = spawnRunner(log)('sh', ['-c', script], {
        cwd: temp,
        env: baseEnv(),
        echo: true,
        timeoutMs: 1_000,
      });
      // The log begins with the command line, which holds these words too: look for the lines.
      await until(() => text().includes('\nready\n'), 'the trap to be set');
      vi.advanceTimersByTime(1_000);
      await until(() => text().includes('\ngot TERM\n'), 'SIGTERM to reach the program');
      // It survived SIGTERM; 10 s of grace, less a little, and it still runs.
      vi.advanceTimersByTime(9_900);
      let settled = false;
      void pending.then(() => (settled = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      vi.advanceTimersByTime(100);
      const result = await pending;
      expect(result).toMatchObject({ exitCode: 1, timedOut: true });
      expect(result.stdout).toMatch(/^ready\ngot TERM\n/);
      // (sh may say its sleep was terminated first.)
      expect(result.stderr).toMatch(/\n\(sh was stopped by SIGKILL\)$/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not mark a program that ends within its time limit as timed out', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'echo quick'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
      timeoutMs: 30_000,
    });
    expect(result).toEqual({ exitCode: 0, stdout: 'quick\n', stderr: '' });
  });

  it('ends what the program left running in its group when it exits', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
    });
    expect(result.exitCode).toBe(0);
    const sleeper = Number(result.stdout.trim());
    expect(sleeper).toBeGreaterThan(0);
    await until(() => !running(sleeper), 'the left-behind sleep to end');
  });

  it('passes the runner’s cancel signals on to running programs, and stops listening once none runs', async () => {
    const before = process.listeners('SIGINT');
    const { log, text } = capture();
    // exec: once ready is printed, the program is sleep itself, which SIGINT ends.
    const pending = spawnRunner(log)('sh', ['-c', 'echo ready; exec sleep 30'], {
      cwd: temp,
      env: baseEnv(),
      echo: true,
    });
    await until(() => text().includes('\nready\n'), 'the program to start');
    const added = process.listeners('SIGINT').filter((listener) => !before.includes(listener));
    expect(added).toHaveLength(1);
    expect(process.listeners('SIGTERM')).toContain(added[0]);
    // As the runner cancelling the step would: SIGINT to the action's process.
    (added[0] as (signal: NodeJS.Signals) => void)('SIGINT');
    const result = await pending;
    expect(result.stdout).toBe('ready\n');
    expect(result.stderr).toMatch(/\(sh was stopped by SIGINT\)$/);
    expect(process.listeners('SIGINT')).toEqual(before);
    expect(process.listeners('SIGTERM')).not.toContain(added[0]);
  });

  it('reports a program killed by a signal as exit code 1, naming the signal', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'echo partial >&2; kill -TERM $$'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
    });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: 'partial\n\n(sh was stopped by SIGTERM)' });
  });

  it('rejects a program that cannot start even with a time limit, leaving no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await expect(
        spawnRunner(new PassThrough())(path.join(temp, 'missing'), [], {
          cwd: temp,
          env: {},
          echo: false,
          timeoutMs: 1_000,
        }),
      ).rejects.toMatchObject({ code: 'ENOENT' });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('spawnRunner: stdin, echo and log', () => {
  it('closes stdin at once when there is no input, so a reading program does not wait', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'cat; echo done'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
      timeoutMs: 10_000,
    });
    expect(result).toEqual({ exitCode: 0, stdout: 'done\n', stderr: '' });
  });

  it('survives a program that exits without reading its input', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'exit 3'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
      input: 'x'.repeat(4 * 1024 * 1024),
    });
    expect(result).toEqual({ exitCode: 3, stdout: '', stderr: '' });
  });

  it('keeps stderr out of the log when not echoing, but returns it', async () => {
    const { log, text } = capture();
    const result = await spawnRunner(log)('sh', ['-c', 'echo out; echo "Error: bad" >&2; exit 1'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
    });
    expect(result).toEqual({ exitCode: 1, stdout: 'out\n', stderr: 'Error: bad\n' });
    expect(text()).toBe('[command]sh -c echo out; echo "Error: bad" >&2; exit 1\n');
  });

  it('runs in the given directory', async () => {
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'pwd -P'], {
      cwd: temp,
      env: baseEnv(),
      echo: false,
    });
    expect(result.stdout.trim()).toBe(realpathSync(temp));
  });

  it('writes the command line to the action’s stdout by default', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    try {
      await spawnRunner()('sh', ['-c', 'true'], { cwd: temp, env: baseEnv(), echo: false });
      expect(write).toHaveBeenCalledWith('[command]sh -c true\n');
    } finally {
      write.mockRestore();
    }
  });
});

describe('childEnv', () => {
  it('gives a program the step’s environment less its inputs and the runtime token', async () => {
    const env = childEnv({
      ...baseEnv(),
      INPUT_PASSWORD: 'hunter22',
      INPUT_PRIVATE_KEY: 'key',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token',
      TF_VAR_region: 'eu-west-1',
      MY_INPUT_DIR: '/data',
    });
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'env'], { cwd: temp, env, echo: false });
    const seen = result.stdout.split('\n');
    expect(seen).toEqual(
      expect.arrayContaining([
        'ACTIONS_ID_TOKEN_REQUEST_URL=https://token.example',
        'ACTIONS_ID_TOKEN_REQUEST_TOKEN=oidc-token',
        'TF_VAR_region=eu-west-1',
        'MY_INPUT_DIR=/data',
      ]),
    );
    expect(result.stdout).not.toMatch(/^INPUT_|^ACTIONS_RUNTIME_TOKEN=|hunter22|runtime-token/m);
  });

  it('filters the inputs out even when the caller passes them, and leaves out unset variables', async () => {
    // spawnRunner filters whatever the caller built.
    const result = await spawnRunner(new PassThrough())('sh', ['-c', 'env'], {
      cwd: temp,
      env: { ...baseEnv(), INPUT_TOKEN: 'ghp_secret', ACTIONS_RUNTIME_TOKEN: 'runtime-token', KEPT: 'yes' },
      echo: false,
    });
    expect(result.stdout).toMatch(/^KEPT=yes$/m);
    expect(result.stdout).not.toMatch(/ghp_secret|runtime-token/);
    expect(childEnv({ SET: 'a', UNSET: undefined } as NodeJS.ProcessEnv)).toEqual({ SET: 'a' });
  });
});
