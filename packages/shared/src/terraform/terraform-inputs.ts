import path from 'node:path';
import { ActionError, invalidInput } from '../action/action-error.ts';
import {
  readChoice,
  readDuration,
  readInput,
  readList,
  readMap,
  readString,
  repositoryRoot,
  resolvePathInput,
  runnerTempRoot,
  type PathRoot,
} from '../action/inputs.ts';
import { MIN_SECRET_LENGTH } from '../action/mask.ts';
import { formatDuration } from '../util/duration.ts';
import { stringLeaves } from '../util/values.ts';
import { BACKEND_SETTING_NAME } from './cli.ts';
import type { TerraformTool } from './install.ts';
import { isSecretName, maskTerraformValue } from './plan-mask.ts';
import { checkMirrorUrl, constraintProblem } from './release-index.ts';
import type { StackLocation } from './stack.ts';

// The inputs every Terraform action of the suite takes, read one way: tool
// and version, backend and variables, the lock timeout and the time limit of
// each command; and the stack (directory, workspace, label) as tf-plan and
// tf-apply name it. Every input is checked here, before anything runs.

/** What it takes to make a stack ready (install, init): every Terraform action's inputs. */
export interface StackSetupSettings {
  tool: TerraformTool;
  version: string;
  /** A mirror's base URL; credentials in it (`https://user:pass@…`) are registered secrets. */
  mirrorUrl: string;
  backendConfig: string[];
  /** Milliseconds each Terraform command may take before it is stopped (`timed-out`); unset: no limit. */
  timeout?: number;
}

/** The stack setup, and what plans and applies also take: variables and the state lock's timeout. */
export interface TerraformSettings extends StackSetupSettings {
  /** As given: relative to the working directory (checked to stay inside the repository). */
  varFiles: string[];
  /** Values as given (lists and maps stay typed). */
  variables: Record<string, unknown>;
  /** Milliseconds. */
  lockTimeout: number;
}

/** The time limit of one Terraform command when the `timeout` input is empty. */
export const DEFAULT_COMMAND_TIMEOUT = '60m';

/**
 * Terraform's own rule for workspace names: the name must survive URL path
 * escaping unchanged (letters, digits and `-_.~$&+,:;=@`).
 */
export const WORKSPACE_NAME = /^[A-Za-z0-9\-_.~$&+,:;=@]+$/;

/** A label names comments, markers and artifacts: plain words only. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Reads the shared Terraform inputs. Variable values and backend settings may
 * be credentials: each is registered with the runner's mask and returned, so
 * that what the action posts through the API (comments, issues) is scrubbed of
 * them too. Values shorter than a secret can be (`on`, `3`) are not masked:
 * they would star out every word that contains them.
 */
export function readTerraformSettings(defaults: { lockTimeout: string }): {
  terraform: TerraformSettings;
  secrets: string[];
} {
  const setup = readStackSetupSettings();
  const variables = readMap('variables');
  const secrets = [...setup.secrets, ...stringLeaves(variables)].filter((value) => value.length >= MIN_SECRET_LENGTH);
  secrets.forEach(maskTerraformValue);
  const lockTimeout = readDuration('lock-timeout', defaults.lockTimeout);
  const timeout = setup.settings.timeout!;
  if (lockTimeout >= timeout) {
    throw invalidInput(
      'lock-timeout',
      `(${formatDuration(lockTimeout)}) must be shorter than \`timeout\` (${formatDuration(timeout)}), which would stop Terraform while it waits for the lock.`,
    );
  }
  const terraform: TerraformSettings = {
    ...setup.settings,
    varFiles: readList('var-files'),
    variables,
    lockTimeout,
  };
  return { terraform, secrets };
}

/**
 * Reads the inputs that make a stack ready — tool, version, mirror, backend
 * settings, the time limit of each command — for an action that plans or
 * applies nothing (tf-outputs), and as the first part of readTerraformSettings.
 * Backend settings and the mirror's credentials are registered secrets, and
 * returned.
 */
export function readStackSetupSettings(): { settings: StackSetupSettings; secrets: string[] } {
  // Variables given to the step as TF_VAR_* are secrets as much as `variables`:
  // Terraform's error messages quote them. Registered before any input is parsed.
  const fromEnvironment = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('TF_VAR_') && value)
    .map(([, value]) => value!.trim());
  fromEnvironment.filter((value) => value.length >= MIN_SECRET_LENGTH).forEach(maskTerraformValue);
  // The mirror's credentials, before the URL can reach any message.
  const mirrorUrl = readString('mirror-url');
  checkMirrorUrl(mirrorUrl);
  const backendConfig = readBackendConfig();
  const secrets = [...fromEnvironment, ...backendSecrets(backendConfig)].filter(
    (value) => value.length >= MIN_SECRET_LENGTH,
  );
  secrets.forEach(maskTerraformValue);
  const version = readString('version');
  if (version) {
    if (/[\r\n]/.test(version)) throw invalidInput('version', 'must be one version or constraint on one line.');
    const problem = constraintProblem(version);
    if (problem) throw invalidInput('version', `is not a version or constraint: ${problem}.`);
  }
  const settings: StackSetupSettings = {
    tool: readChoice('tool', ['terraform', 'tofu'] as const, 'terraform'),
    version,
    mirrorUrl,
    backendConfig,
    timeout: readDuration('timeout', DEFAULT_COMMAND_TIMEOUT),
  };
  return { settings, secrets };
}

/**
 * `backend-config` lines: `key=value` settings, whose key must be a setting
 * name (the value is never quoted: it may be a password), or file paths.
 */
function readBackendConfig(): string[] {
  const lines = readList('backend-config');
  // Registered before any line is judged: a message may follow.
  for (const line of lines) {
    const value = line.includes('=') ? line.slice(line.indexOf('=') + 1).trim() : '';
    if (value.length >= MIN_SECRET_LENGTH) maskTerraformValue(value);
  }
  lines.forEach((line, index) => {
    const eq = line.indexOf('=');
    if (eq === -1) return;
    if (!BACKEND_SETTING_NAME.test(line.slice(0, eq).trim())) {
      throw invalidInput(
        'backend-config',
        `line ${index + 1} is not \`key=value\` with a setting name (letters, digits, _ and -) before '=', such as \`bucket=acme-tfstate\`.`,
      );
    }
  });
  return lines.map((line) => {
    const eq = line.indexOf('=');
    return eq === -1 ? line : `${line.slice(0, eq).trim()}=${line.slice(eq + 1)}`;
  });
}

/**
 * `working-directory` and `workspace`: the stack. The directory must be one
 * inside the repository; it is returned relative to the repository root, in
 * one form (`infra/prod`, `.` for the root), because it names comments,
 * markers and artifacts.
 */
export function readStackLocation(): StackLocation {
  const text = readString('working-directory', '.');
  const root = repositoryRoot();
  const absolute = resolvePathInput('working-directory', text, 'directory', [root]);
  const relative = path.relative(path.resolve(root.dir), absolute).split(path.sep).join('/');
  return { workingDirectory: relative || '.', workspace: readWorkspace('workspace') };
}

/** A workspace name as Terraform accepts it; `default` when unset. */
export function readWorkspace(name: string): string {
  const workspace = readInput(name) || 'default';
  if (!WORKSPACE_NAME.test(workspace)) {
    throw invalidInput(
      name,
      'is not a workspace name: Terraform allows letters, digits and -_.~$&+,:;=@, on one line.',
    );
  }
  return workspace;
}

/** `label`: told apart in comments, markers and artifact names, so plain words only. */
export function readLabel(): string {
  const label = readInput('label');
  if (label && !LABEL.test(label)) {
    throw invalidInput(
      'label',
      'must be up to 64 letters, digits, `.`, `_` and `-`, starting with a letter or digit (e.g. `prod-eu`).',
    );
  }
  return label;
}

/**
 * Checks the files `var-files` and `backend-config` name for one stack: each
 * must exist and stay inside the repository (a backend file may also come
 * from RUNNER_TEMP, where an earlier step wrote it). Relative paths are
 * relative to the stack's directory, as Terraform reads them.
 */
export function checkStackFiles(
  settings: Pick<TerraformSettings, 'varFiles' | 'backendConfig'>,
  stackDir: string,
  where = '',
): void {
  const inRepository = [repositoryRoot()];
  for (const file of settings.varFiles) checkStackFile('var-files', file, stackDir, inRepository, where);
  for (const item of settings.backendConfig) {
    if (!item.includes('=')) {
      checkStackFile('backend-config', item, stackDir, [repositoryRoot(), runnerTempRoot()], where);
    }
  }
}

function checkStackFile(name: string, file: string, stackDir: string, roots: PathRoot[], where: string): void {
  const absolute = path.resolve(stackDir, file);
  try {
    resolvePathInput(name, absolute, 'file', roots);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    // The message quotes the path as the user wrote it, relative to the stack.
    const message = error.message.replace(`'${absolute}'`, `'${file}'${where}`);
    throw new ActionError(message, error.reason);
  }
}

/**
 * The credentials among `key=value` backend settings: the value of a setting
 * named like a secret (`password`, `access_key`, `sas_token`, …, as plan-mask
 * judges names) unless it is a flag or a number, and a password inside a value
 * — a URL's (`postgres://user:pw@host/db`, also decoded) or a connection
 * string's `password=…`. Other settings (`bucket`, `schema_name`, `key`) stay
 * readable: masking them would star out an environment's name everywhere.
 */
export function backendSecrets(backendConfig: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of backendConfig) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (isSecretName(key) && !/^(true|false|-?\d+(\.\d+)?)$/i.test(value)) found.push(value);
    for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/gi)) {
      found.push(match[1]!);
      try {
        found.push(decodeURIComponent(match[1]!));
      } catch {
        // not percent-encoded
      }
    }
    for (const match of value.matchAll(/(?:^|\s)password\s*=\s*('[^']*'|\S+)/gi))
      found.push(match[1]!.replace(/^'|'$/g, ''));
  }
  return [...new Set(found)];
}
