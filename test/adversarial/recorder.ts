import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

// Logging wrappers on PATH: each call of a wrapped program (terraform,
// docker, ansible-playbook, ssh …) records its command line and its whole
// environment, then becomes the real program (exec: same pid, stdin, output
// and exit status). A test reads the calls to see what a child process was
// given, or that none ran.

/** The programs the actions start, and those their children start (Ansible's ssh). */
export const RECORDED_PROGRAMS = [
  'terraform',
  'tofu',
  'docker',
  'ansible',
  'ansible-playbook',
  'ansible-galaxy',
  'ansible-vault',
  'ansible-inventory',
  'ssh',
  'scp',
  'sftp',
  'ssh-keyscan',
  'git',
  'curl',
];

export interface RecordedCall {
  program: string;
  argv: string[];
  env: Record<string, string>;
}

export interface Recorder {
  /** The directory of the wrappers: put it first on the step's PATH. */
  bin: string;
  /** `PATH` with the wrappers first. */
  path: string;
  /** The calls recorded so far, in no particular order. */
  calls(): Promise<RecordedCall[]>;
  /** Forgets the calls recorded so far. */
  clear(): Promise<void>;
}

const exec = promisify(execFile);

async function which(program: string): Promise<string | undefined> {
  try {
    const { stdout } = await exec('sh', ['-c', `command -v ${program}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Installs wrappers in `dir` for the programs that exist on this machine's
 * PATH. With `exec: false` a wrapper records the call and exits 127 instead
 * of running the program: for steps that must start none.
 */
export async function startRecorder(
  dir: string,
  { programs = RECORDED_PROGRAMS, exec: runReal = true }: { programs?: string[]; exec?: boolean } = {},
): Promise<Recorder> {
  const bin = path.join(dir, 'bin');
  const calls = path.join(dir, 'calls');
  await mkdir(bin, { recursive: true });
  await mkdir(calls, { recursive: true });
  for (const program of programs) {
    const real = await which(program);
    if (!real || real.startsWith(bin)) continue;
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    // NUL-separated: the program, argc, each argument, then `env -0`.
    const script = [
      '#!/bin/sh',
      `f=$(/usr/bin/mktemp ${quote(path.join(calls, `${program}.XXXXXXXX`))})`,
      `{ printf '%s\\0' ${quote(program)} "$#" "$@"; /usr/bin/env -0; } > "$f"`,
      runReal ? `exec ${quote(real)} "$@"` : 'exit 127',
      '',
    ].join('\n');
    const wrapper = path.join(bin, program);
    await writeFile(wrapper, script);
    await chmod(wrapper, 0o755);
  }
  return {
    bin,
    path: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    async calls() {
      const recorded: RecordedCall[] = [];
      for (const name of await readdir(calls)) {
        const fields = (await readFile(path.join(calls, name), 'utf8')).split('\0');
        if (fields.at(-1) === '') fields.pop();
        const [program = '', argc = '0', ...rest] = fields;
        const argv = rest.slice(0, Number(argc));
        const env: Record<string, string> = {};
        for (const entry of rest.slice(Number(argc))) {
          const eq = entry.indexOf('=');
          if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
        }
        recorded.push({ program, argv, env });
      }
      return recorded;
    },
    async clear() {
      await rm(calls, { recursive: true, force: true });
      await mkdir(calls, { recursive: true });
    },
  };
}
