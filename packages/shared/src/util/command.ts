import { spawn } from 'node:child_process';
import path from 'node:path';

// The suite's one way to run a program (terraform, docker, ansible): output
// streamed to the log while captured, secrets only ever given on stdin.

export interface CommandOptions {
  cwd: string;
  env: Record<string, string>;
  /** Stream the output to the log. Off for big or secret outputs (JSON plan, state, outputs). */
  echo: boolean;
  /** Written to the process's stdin (a password for `docker login --password-stdin`); stdin is closed otherwise. */
  input?: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one process to completion. Tests pass their own to see the calls. */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options: CommandOptions,
) => Promise<CommandResult>;

/**
 * The default runner: node's spawn, output kept as Buffer chunks and decoded
 * once at the end, so that `show -json` of a big plan (tens of MB on one line)
 * costs linear time. @actions/exec cannot do this: it re-scans its whole
 * pending line on every chunk, and a 50 MB single-line JSON took 25 s there
 * (100 MB: 110 s) against 0.25 s here. The log line of the command mimics
 * @actions/exec's `[command]` line that users know.
 */
export function spawnRunner(log: NodeJS.WritableStream = process.stdout): CommandRunner {
  return (command, args, options) =>
    new Promise((resolve, reject) => {
      log.write(`[command]${command} ${args.join(' ')}\n`);
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // A secret goes on stdin, never in arguments or the environment, which
      // other processes can read. Without input, stdin is at its end at once.
      child.stdin.on('error', () => {}); // a program that exits without reading it
      child.stdin.end(options.input ?? '');
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        if (options.echo) log.write(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
        if (options.echo) log.write(chunk);
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        const errorText = Buffer.concat(stderr).toString('utf8');
        resolve({
          exitCode: code ?? 1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: signal ? `${errorText}\n(${path.basename(command)} was stopped by ${signal})` : errorText,
        });
      });
    });
}

/**
 * The step's environment for a child program, less what only the action may
 * read: its inputs (tokens, passwords, keys, variables) and the runtime token.
 * Terraform's providers, a Dockerfile's build or an Ansible module would
 * otherwise see them. OIDC request variables stay: cloud credentials need them.
 */
export function childEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !entry[0].startsWith('INPUT_') && entry[0] !== 'ACTIONS_RUNTIME_TOKEN',
    ),
  );
}
