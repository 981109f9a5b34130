import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { ActionError } from '../action/action-error.ts';
import { formatDuration } from '../util/duration.ts';
import { childEnv, spawnRunner, type CommandResult, type CommandRunner } from '../util/command.ts';
import { SecretFiles } from '../util/secret-files.ts';
import type { TerraformDiagnostic } from './diagnostics.ts';
import { describeStateLock, parseStateLockError } from './state-lock.ts';

// The suite's one way to run Terraform or OpenTofu: every command with the
// same environment, its output streamed to the log (the caller groups it)
// while being captured, and every failure turned into an ActionError that
// says what failed and why.

export interface TerraformCliOptions {
  /** `terraform`, `tofu`, or the path of one. */
  binary: string;
  /** The root module; commands run there and relative paths are relative to it. */
  workingDirectory: string;
  /** Added to the process environment. */
  env?: Record<string, string>;
  exec?: CommandRunner;
  /** Where generated variable and backend files go; default RUNNER_TEMP, else the OS temp directory. */
  tempDir?: string;
  /**
   * Milliseconds each command may take: then it and every process it started
   * are stopped, and the command fails with `timed-out`. Unset: no limit.
   */
  timeoutMs?: number;
}

export interface InitOptions {
  /** Each a file path or `key=value`, as `-backend-config` takes them. */
  backendConfig?: readonly string[];
  /** Shared provider cache (TF_PLUGIN_CACHE_DIR); created when missing. */
  pluginCacheDir?: string;
  upgrade?: boolean;
}

export type PlanMode = 'normal' | 'destroy' | 'refresh-only';

/** A lock timeout: Go duration text (`2m`, `90s`) or milliseconds. */
export type LockTimeout = string | number;

export interface PlanOptions {
  /** The plan file to write, relative to the working directory or absolute. */
  out: string;
  /**
   * Input variables. Strings stay strings; lists and maps reach typed
   * variables as such. Passed in a generated file, never on the command line.
   */
  vars?: Record<string, unknown>;
  /** Variable files, relative to the working directory. */
  varFiles?: readonly string[];
  targets?: readonly string[];
  replace?: readonly string[];
  mode?: PlanMode;
  lockTimeout?: LockTimeout;
  parallelism?: number;
}

export interface PlanResult {
  changes: boolean;
  /** `-detailed-exitcode`: 0 no changes, 2 changes. */
  exitCode: 0 | 2;
  stdout: string;
}

export interface ValidateResult {
  valid: boolean;
  errorCount: number;
  warningCount: number;
  diagnostics: TerraformDiagnostic[];
}

export interface TerraformOutput {
  sensitive: boolean;
  type: unknown;
  value: unknown;
}

export interface VersionResult {
  version: string;
  platform?: string;
  providerSelections: Record<string, string>;
}

export interface TerraformCli {
  /** `terraform` or `tofu`: the command users type, for messages. */
  readonly tool: string;
  init(options?: InitOptions): Promise<void>;
  /** Selects the workspace, creating it when missing (`create: false`: ActionError `workspace-not-found`). `default` needs nothing. */
  selectWorkspace(name: string, options?: { create?: boolean }): Promise<void>;
  /** The configuration's diagnostics; a failure only when validate itself could not run. */
  validate(): Promise<ValidateResult>;
  plan(options: PlanOptions): Promise<PlanResult>;
  /** `show -json` of a plan file: the JSON plan text. Not echoed: big, and it holds sensitive values. */
  showJson(planFile: string): Promise<string>;
  /** `show` of a plan file: the plan as people read it. */
  showText(planFile: string): Promise<string>;
  apply(options: { planFile: string; lockTimeout?: LockTimeout }): Promise<{ stdout: string }>;
  /** The state (format 4). Not echoed: it holds secrets. */
  statePull(): Promise<string>;
  /** Root outputs. Not echoed: sensitive values are in the clear here. */
  outputJson(): Promise<Record<string, TerraformOutput>>;
  version(): Promise<VersionResult>;
}

export function createTerraformCli(options: TerraformCliOptions): TerraformCli {
  const exec = options.exec ?? spawnRunner();
  const cwd = options.workingDirectory;
  const tool = path.basename(options.binary).replace(/\.exe$/i, '');
  const tempDir = options.tempDir ?? process.env.RUNNER_TEMP ?? os.tmpdir();

  async function run(
    args: readonly string[],
    { echo, reason, extraEnv = {} }: { echo: boolean; reason: string; extraEnv?: Record<string, string> },
  ): Promise<CommandResult> {
    const env = {
      ...childEnv(process.env),
      ...options.env,
      ...extraEnv,
      // Terraform leaves out hints to type follow-up commands, and never waits for input.
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
    };
    let result: CommandResult;
    try {
      result = await exec(options.binary, args, {
        cwd,
        env,
        echo,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (error) {
      throw new ActionError(
        `${tool} ${commandName(args)} could not be started: ${error instanceof Error ? error.message : String(error)}. Check that ${options.binary} is installed and on PATH.`,
        reason,
        { cause: error },
      );
    }
    if (result.timedOut) {
      throw new ActionError(
        `${tool} ${commandName(args)} did not finish within ${formatDuration(options.timeoutMs ?? 0)} (\`timeout\`) and was stopped with everything it started. Raise \`timeout\` if it needs longer, or find what it waits for (a provider, a network call, a prompt).`,
        'timed-out',
      );
    }
    return result;
  }

  async function succeed(
    args: readonly string[],
    settings: { echo: boolean; reason: string; extraEnv?: Record<string, string> },
  ): Promise<CommandResult> {
    const result = await run(args, settings);
    if (result.exitCode !== 0) throw commandFailure(tool, args, result, settings.reason);
    return result;
  }

  return {
    tool,

    async init({ backendConfig = [], pluginCacheDir, upgrade = false } = {}) {
      const files = new SecretFiles(tempDir);
      try {
        const args = ['init', '-input=false', '-no-color'];
        for (const item of backendConfig) {
          // Terraform's own rule: an item with `=` is a setting, anything else a file.
          const eq = item.indexOf('=');
          if (eq === -1) {
            args.push(`-backend-config=${item}`);
            continue;
          }
          // Settings are often credentials (access keys, passwords, tokens):
          // they go through a 0600 file, never onto the command line where
          // other processes and logs could read them.
          const file = await files.write(
            'backend',
            '.tfbackend',
            backendSetting(item.slice(0, eq), item.slice(eq + 1)),
          );
          args.push(`-backend-config=${file}`);
        }
        if (upgrade) args.push('-upgrade');
        const extraEnv: Record<string, string> = {};
        if (pluginCacheDir) {
          await mkdir(pluginCacheDir, { recursive: true });
          extraEnv.TF_PLUGIN_CACHE_DIR = pluginCacheDir;
        }
        await succeed(args, { echo: true, reason: 'init-failed', extraEnv });
      } finally {
        await files.removeAll();
      }
    },

    async selectWorkspace(name, { create = true } = {}) {
      // `default` always exists, and backends without it (HCP Terraform) reject selecting it.
      if (name === 'default') return;
      // Plain select then new, rather than `select -or-create`, which Terraform before 1.4 lacks.
      const select = await run(['workspace', 'select', name], { echo: true, reason: 'init-failed' });
      if (select.exitCode === 0) return;
      if (!/doesn't exist/.test(stripVTControlCharacters(select.stderr + select.stdout))) {
        throw commandFailure(tool, ['workspace', 'select', name], select, 'init-failed');
      }
      if (!create) {
        throw new ActionError(
          `Workspace \`${name}\` does not exist in the stack's backend: check \`workspace\`, or apply the stack in that workspace first.`,
          'workspace-not-found',
        );
      }
      await succeed(['workspace', 'new', name], { echo: true, reason: 'init-failed' });
    },

    async validate() {
      // validate exits 1 for an invalid configuration and still prints its JSON.
      const args = ['validate', '-json', '-no-color'];
      const result = await run(args, { echo: false, reason: 'validate-failed' });
      const parsed = parseJson(result.stdout) as
        | { valid?: boolean; error_count?: number; warning_count?: number; diagnostics?: TerraformDiagnostic[] }
        | undefined;
      if (typeof parsed?.valid !== 'boolean') throw commandFailure(tool, args, result, 'validate-failed');
      return {
        valid: parsed.valid,
        errorCount: parsed.error_count ?? 0,
        warningCount: parsed.warning_count ?? 0,
        diagnostics: parsed.diagnostics ?? [],
      };
    },

    async plan(plan) {
      const files = new SecretFiles(tempDir);
      try {
        const args = ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${plan.out}`];
        if (plan.mode === 'destroy') args.push('-destroy');
        if (plan.mode === 'refresh-only') args.push('-refresh-only');
        if (plan.lockTimeout !== undefined) args.push(`-lock-timeout=${goDuration(plan.lockTimeout)}`);
        if (plan.parallelism !== undefined) args.push(`-parallelism=${plan.parallelism}`);
        for (const file of plan.varFiles ?? []) args.push(`-var-file=${file}`);
        if (plan.vars && Object.keys(plan.vars).length) {
          // Values may be secrets: `-var name=value` would show them to every
          // process that can list processes and in any log of the command
          // line. A 0600 JSON variables file keeps them private, and JSON
          // values reach list and map variables typed. It comes after the
          // user's files so that its values win, as a later -var-file does.
          args.push(`-var-file=${await files.write('variables', '.tfvars.json', JSON.stringify(plan.vars))}`);
        }
        for (const target of plan.targets ?? []) args.push(`-target=${target}`);
        for (const address of plan.replace ?? []) args.push(`-replace=${address}`);
        // Not echoed: the plan text shows values a provider forgot to mark
        // sensitive; the caller prints it once masked.
        const result = await run(args, { echo: false, reason: 'plan-failed' });
        if (result.exitCode !== 0 && result.exitCode !== 2) throw commandFailure(tool, args, result, 'plan-failed');
        const changes = result.exitCode === 2;
        return { changes, exitCode: changes ? 2 : 0, stdout: result.stdout };
      } finally {
        await files.removeAll();
      }
    },

    async showJson(planFile) {
      const { stdout } = await succeed(['show', '-json', '-no-color', planFile], {
        echo: false,
        reason: 'show-failed',
      });
      return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
    },

    async showText(planFile) {
      return (await succeed(['show', '-no-color', planFile], { echo: false, reason: 'show-failed' })).stdout;
    },

    async apply({ planFile, lockTimeout }) {
      const args = ['apply', '-input=false', '-no-color'];
      if (lockTimeout !== undefined) args.push(`-lock-timeout=${goDuration(lockTimeout)}`);
      args.push(planFile);
      const { stdout } = await succeed(args, { echo: true, reason: 'apply-failed' });
      return { stdout };
    },

    async statePull() {
      return (await succeed(['state', 'pull'], { echo: false, reason: 'state-pull-failed' })).stdout;
    },

    async outputJson() {
      const args = ['output', '-json', '-no-color'];
      const result = await succeed(args, { echo: false, reason: 'output-failed' });
      const parsed = parseJson(result.stdout);
      if (!parsed || typeof parsed !== 'object') throw commandFailure(tool, args, result, 'output-failed');
      return parsed as Record<string, TerraformOutput>;
    },

    async version() {
      const result = await succeed(['version', '-json'], { echo: false, reason: 'version-failed' });
      const parsed = parseJson(result.stdout) as
        { terraform_version?: string; platform?: string; provider_selections?: Record<string, string> } | undefined;
      if (parsed?.terraform_version) {
        return {
          version: parsed.terraform_version,
          ...(parsed.platform ? { platform: parsed.platform } : {}),
          providerSelections: parsed.provider_selections ?? {},
        };
      }
      // Terraform before 0.13 has no -json and prints its text form instead.
      const text = /v(\d+\.\d+\.\d+[^\s]*)/.exec(result.stdout);
      if (!text) throw commandFailure(tool, ['version', '-json'], result, 'version-failed');
      return { version: text[1]!, providerSelections: {} };
    },
  };
}

/**
 * The failure of a command, for people: the first error's summary on the
 * first line, then Terraform's error text. A held state lock is its own
 * failure, naming who holds it.
 */
export function commandFailure(
  tool: string,
  args: readonly string[],
  result: CommandResult,
  reason: string,
): ActionError {
  const command = `${tool} ${commandName(args)}`;
  const lock = parseStateLockError(`${result.stderr}\n${result.stdout}`);
  if (lock) return new ActionError(`${command} failed: ${describeStateLock(lock, tool)}`, 'state-locked');
  const text = errorText(result);
  const summary = /^Error: (.+)$/m.exec(text)?.[1] ?? `exit code ${result.exitCode}`;
  return new ActionError(`${command} failed: ${summary}${text ? `\n\n${text}` : ''}`, reason);
}

function commandName(args: readonly string[]): string {
  return ['workspace', 'state'].includes(args[0] ?? '') ? args.slice(0, 2).join(' ') : (args[0] ?? '');
}

// Terraform writes diagnostics to stderr; without any, the end of stdout says what happened.
function errorText(result: CommandResult): string {
  const clean = (text: string) =>
    stripVTControlCharacters(text)
      .split(/\r?\n/)
      .filter((line) => !/^[╷╵]\s*$/.test(line))
      .map((line) => line.replace(/^│ ?/, '').trimEnd())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  const stderr = clean(result.stderr);
  if (stderr) return stderr;
  return clean(result.stdout).split('\n').slice(-30).join('\n');
}

/** A lock timeout as Terraform's flag takes it (Go duration). */
export function goDuration(timeout: LockTimeout): string {
  return typeof timeout === 'number' ? `${Math.max(0, Math.ceil(timeout))}ms` : timeout;
}

/** What may stand before `=` in a `key=value` backend setting. */
export const BACKEND_SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * One `-backend-config` setting as a line of an HCL file. A value in braces or
 * brackets stays an HCL expression, as Terraform reads `key={...}` on the
 * command line for object and list settings (`assume_role`); anything else is
 * a string, escaped so that no character, `${` included, changes its meaning.
 */
export function backendSetting(key: string, value: string): string {
  if (!BACKEND_SETTING_NAME.test(key)) {
    throw new ActionError(
      `Backend configuration '${key}=…' is not a setting: the part before '=' must be a setting name such as bucket or key.`,
      'init-failed',
    );
  }
  if (/^\s*(\{[\s\S]*\}|\[[\s\S]*\])\s*$/.test(value)) return `${key} = ${value}\n`;
  return `${key} = ${hclString(value)}\n`;
}

function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    // Template sequences: `$${` and `%%{` are HCL's literal `${` and `%{`.
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
