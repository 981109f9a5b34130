import { spawn } from 'node:child_process';

// A step's process as the runner runs it: its own process group, its output
// read as it comes, and on timeout or cancellation the runner's sequence —
// SIGINT, then SIGTERM after 7.5 s, then SIGKILL after 2.5 s more — sent to
// the whole group, so nothing the step started outlives it.

export interface ProcessOutcome {
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
}

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Told the process group id, for the job to clean up when it ends. */
  onStart?: (pgid: number) => void;
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    let cancelled = false;
    const timers: NodeJS.Timeout[] = [];
    let stopping = false;
    const stop = () => {
      if (!child.pid || stopping) return;
      stopping = true;
      const pid = child.pid;
      killGroup(pid, 'SIGINT');
      timers.push(setTimeout(() => killGroup(pid, 'SIGTERM'), 7_500));
      timers.push(setTimeout(() => killGroup(pid, 'SIGKILL'), 10_000));
    };
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs),
      );
    }
    const abort = () => {
      cancelled = true;
      stop();
    };
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    if (child.pid) options.onStart?.(child.pid);
    child.stdout.setEncoding('utf8').on('data', (text: string) => options.onOutput('stdout', text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => options.onOutput('stderr', text));
    child.on('error', reject);
    child.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      resolve({ exitCode: code, timedOut, cancelled });
    });
  });
}
