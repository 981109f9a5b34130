import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { spawnRunner } from './command.ts';

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
