import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

// A test run leaves no process behind. Every process the run starts (workers,
// then the dockerd, registry, sshd, … they start) inherits a marker in its
// environment; at the end any process still carrying it is listed, killed,
// and fails the run.

const MARKER = 'IAC_ACTIONS_TEST_RUN';

export default function setup() {
  // Each project runs this setup; they share one marker.
  const id = (process.env[MARKER] ??= randomUUID());
  return async () => {
    const leftovers = await markedProcesses(`${MARKER}=${id}`);
    if (leftovers.length === 0) return;
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    throw new Error(
      `The test run left ${leftovers.length} process(es) behind (now killed):\n` +
        leftovers.map(({ pid, command }) => `  ${pid} ${command}`).join('\n'),
    );
  };
}

async function markedProcesses(entry: string): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(entry)) continue;
      const command = (await readFile(`/proc/${pid}/cmdline`, 'latin1')).split('\0').join(' ').trim();
      // vitest's own watchdog of the main process, which ends with it.
      if (command === 'vitest-watchdog') continue;
      found.push({ pid, command });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}
