import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPENTOFU_FIXTURES } from '../fixtures.ts';

// Puts the Terraform CLI double on PATH as `terraform` and `tofu` for a test.
// See README.md for what it simulates.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DOUBLE = path.join(HERE, 'terraform-double.mjs');

const FIXTURES = OPENTOFU_FIXTURES;
/** One directory per recorded run: plan, plan.json, apply.json, state.json. */
export const EQUIVALENCE_FIXTURES = path.join(FIXTURES, 'equivalence');
/** `validate -json` outputs. */
export const VALIDATE_FIXTURES = path.join(FIXTURES, 'validate-json');
/** Scenarios the fixtures lack (`no_changes`). */
export const EXTRA_SCENARIOS = path.join(HERE, 'scenarios');

/** The directory of a scenario: one of the equivalence fixtures or of the double's own. */
export function scenarioDir(name: string): string {
  return name === 'no_changes' ? path.join(EXTRA_SCENARIOS, name) : path.join(EQUIVALENCE_FIXTURES, name);
}

export interface TerraformDoubleOptions {
  /** Scenario name (see scenarioDir) or directory; sets TF_DOUBLE_SCENARIO. */
  scenario?: string;
  /** A `validate -json` output file; default: a valid configuration. */
  validate?: string;
  /** `held`, or `held-for:<n>` to hold the lock for the first n plan/apply calls. */
  lock?: 'held' | `held-for:${number}`;
  /**
   * Make `plan` fail: `true` with a configuration error; `{ quote: name }`
   * with an error quoting the variable's value (raw, URL-encoded, and base64 of
   * `user:<value>`), as Terraform's errors quote values.
   */
  planError?: boolean | { quote: string };
  /** A command (`init`, `plan`, `apply`, ...) that never ends, with a child process that never ends either. */
  hang?: string;
  /** Delay before each command answers. */
  delayMs?: number;
  /** Version the double reports; default 1.9.8 (terraform), 1.8.8 (tofu). */
  version?: string;
  /** Backend type named by `init`; default `local`. */
  backend?: string;
  /** Who holds a simulated lock. */
  lockHolder?: string;
}

export interface DoubleCall {
  tool: 'terraform' | 'tofu';
  argv: string[];
  cwd: string;
  /** TF_* variables the command saw (TF_VAR_* only by name, in tfVarNames). */
  env: Record<string, string>;
  tfVarNames: string[];
  /** The names of every environment variable the command saw. */
  envNames: string[];
  /** Files passed with -var-file or -backend-config, read when the command started. */
  files: { flag: string; path: string; exists: boolean; mode?: string; content?: string }[];
  time: string;
}

/**
 * Writes executable `terraform` and `tofu` wrappers into `dir` and returns the
 * environment for the process under test: PATH with `dir` first, and the
 * double's knobs (TF_DOUBLE_LOG names the call log, in `dir`). The wrappers
 * run the double with the Node that runs the tests: `/usr/bin/env node` may
 * be an older Node.
 */
export async function installTerraformDouble(
  dir: string,
  options: TerraformDoubleOptions = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  for (const tool of ['terraform', 'tofu']) {
    const wrapper = path.join(dir, tool);
    await writeFile(
      wrapper,
      `#!/bin/sh\nTF_DOUBLE_TOOL=${tool} exec ${shellQuote(process.execPath)} ${shellQuote(DOUBLE)} "$@"\n`,
    );
    await chmod(wrapper, 0o755);
  }
  const logFile = path.join(dir, 'calls.jsonl');
  const env: Record<string, string> = {
    PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    TF_DOUBLE_HOME: dir,
    TF_DOUBLE_LOG: logFile,
  };
  return { ...env, ...doubleKnobs(options) };
}

/** The TF_DOUBLE_* variables that stand for `options`. */
function doubleKnobs(options: TerraformDoubleOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.scenario) {
    env.TF_DOUBLE_SCENARIO = path.isAbsolute(options.scenario) ? options.scenario : scenarioDir(options.scenario);
  }
  if (options.validate) env.TF_DOUBLE_VALIDATE = options.validate;
  if (options.lock) env.TF_DOUBLE_LOCK = options.lock;
  if (options.planError) {
    env.TF_DOUBLE_PLAN_ERROR = options.planError === true ? '1' : `quote:${options.planError.quote}`;
  }
  if (options.hang) env.TF_DOUBLE_HANG = options.hang;
  if (options.delayMs) env.TF_DOUBLE_DELAY_MS = String(options.delayMs);
  if (options.version) env.TF_DOUBLE_VERSION = options.version;
  if (options.backend) env.TF_DOUBLE_BACKEND = options.backend;
  if (options.lockHolder) env.TF_DOUBLE_LOCK_WHO = options.lockHolder;
  return env;
}

/**
 * Gives one stack directory its own knobs (a `.double-env` file there), over
 * the process environment, for commands run in it: stacks of one process can
 * then plan different scenarios, or fail. Replaces the directory's earlier
 * knobs; `version` cannot be set per directory.
 */
export async function setDirectoryKnobs(stackDir: string, options: Omit<TerraformDoubleOptions, 'version'>) {
  const knobs = { TF_DOUBLE_PLAN_ERROR: '', TF_DOUBLE_HANG: '', ...doubleKnobs(options) };
  const text = Object.entries(knobs)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
  await writeFile(path.join(stackDir, '.double-env'), text);
}

/** The invocations so far, from the call log of the environment installTerraformDouble returned. */
export async function readDoubleCalls(env: Record<string, string>): Promise<DoubleCall[]> {
  const logFile = env.TF_DOUBLE_LOG;
  if (!logFile) throw new Error('readDoubleCalls: the environment has no TF_DOUBLE_LOG');
  let text: string;
  try {
    text = await readFile(logFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DoubleCall);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The commands that hung (TF_DOUBLE_HANG) so far: the double's pid and the child it started. */
export async function readHungProcesses(
  env: Record<string, string>,
): Promise<{ command: string; pid: number; childPid: number }[]> {
  const home = env.TF_DOUBLE_HOME;
  if (!home) throw new Error('readHungProcesses: the environment has no TF_DOUBLE_HOME');
  let text: string;
  try {
    text = await readFile(path.join(home, 'hung.jsonl'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { command: string; pid: number; childPid: number });
}

/** Whether a process is still running: a zombie (ended, not yet reaped by its new parent) is not. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the command name in parentheses, is the state.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
