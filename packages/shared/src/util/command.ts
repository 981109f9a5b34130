import { spawn } from 'node:child_process';
import path from 'node:path';

// The suite's one way to run a program (terraform, docker, ansible): output
// streamed to the log while captured, secrets only ever given on stdin, the
// step's inputs and runtime token never in its environment, and a time limit
// that ends the whole process tree (providers, plugins, ssh) it started.

export interface CommandOptions {
  cwd: string;
  env: Record<string, string>;
  /** Stream the output to the log. Off for big or secret outputs (JSON plan, state, outputs). */
  echo: boolean;
  /** Written to the process's stdin (a password for `docker login --password-stdin`); stdin is closed otherwise. */
  input?: string;
  /** Ends the process and everything it started after this long: SIGTERM, then SIGKILL 10 s later. */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The time limit ended it. */
  timedOut?: boolean;
}

/** How long a program has, after SIGTERM at its time limit, before SIGKILL. */
const KILL_GRACE_MS = 10_000;

// Each program runs in a process group of its own, so that a time limit ends
// its whole tree. A group no longer receives the signals the runner sends the
// step (cancel: SIGINT, then SIGTERM), so while groups run those are passed on
// to them: Terraform then stops cleanly and releases its state lock.
const groups = new Set<number>();
const FORWARDED = ['SIGINT', 'SIGTERM'] as const;
function forward(signal: NodeJS.Signals): void {
  for (const pid of groups) killGroup(pid, signal);
}
function track(pid: number): void {
  if (groups.size === 0) for (const signal of FORWARDED) process.on(signal, forward);
  groups.add(pid);
}
function untrack(pid: number): void {
  groups.delete(pid);
  if (groups.size === 0) for (const signal of FORWARDED) process.off(signal, forward);
}
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has ended
  }
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
        // Whatever the caller built, never the step's inputs or runtime token.
        env: childEnv(options.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      const pid = child.pid;
      if (pid !== undefined) track(pid);
      let timedOut = false;
      let killer: NodeJS.Timeout | undefined;
      const timer =
        options.timeoutMs === undefined || pid === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              killGroup(pid, 'SIGTERM');
              killer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
            }, options.timeoutMs);
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
      const settle = () => {
        clearTimeout(timer);
        clearTimeout(killer);
        if (pid !== undefined) {
          // What the program left behind in its group goes with it.
          killGroup(pid, 'SIGKILL');
          untrack(pid);
        }
      };
      child.on('error', (error) => {
        settle();
        reject(error);
      });
      child.on('close', (code, signal) => {
        settle();
        const errorText = Buffer.concat(stderr).toString('utf8');
        resolve({
          exitCode: code ?? 1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: signal ? `${errorText}\n(${path.basename(command)} was stopped by ${signal})` : errorText,
          ...(timedOut ? { timedOut } : {}),
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
export function childEnv(env: NodeJS.ProcessEnv | Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !entry[0].startsWith('INPUT_') && entry[0] !== 'ACTIONS_RUNTIME_TOKEN',
    ),
  );
}
