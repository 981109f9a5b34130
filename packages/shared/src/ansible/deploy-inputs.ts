import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { invalidInput } from '../action/action-error.ts';
import {
  parseBoolean,
  parseMapInput,
  readBoolean,
  readInput,
  readInteger,
  readList,
  readPath,
  readSecret,
  readString,
  repositoryRoot,
  resolvePathInput,
} from '../action/inputs.ts';
import { maskSecret, MIN_SECRET_LENGTH } from '../action/mask.ts';
import { stringLeaves } from '../util/values.ts';
import type { AnsibleDeploySettings } from './ansible-deploy.ts';
import { checkInventoryContent, classifyInventory, inventoryFromTerraform } from './inventory.ts';
import { normalizePrivateKey } from './private-key.ts';

export interface DeployInputs {
  settings: AnsibleDeploySettings;
  /** Said once as a warning: host keys are not checked. */
  hostKeyWarning?: string;
}

/**
 * Reads and checks every ansible-deploy input; secrets are masked before
 * anything else. Any mistake is one invalid-input error, before Ansible runs.
 */
export function readDeployInputs(): DeployInputs {
  const privateKeyText = readInput('private-key');
  maskSecret(privateKeyText);
  const vaultPassword = readInput('vault-password');
  maskSecret(vaultPassword);
  const privateKey = privateKeyText ? normalizePrivateKey(privateKeyText) : '';
  maskSecret(privateKey);

  const workingDirectory = readPath('working-directory', 'directory', '.');
  const playbookText = readString('playbook');
  if (!playbookText)
    throw invalidInput('playbook', 'is required: the playbook file to run, relative to working-directory.');
  const playbook = pathInRepository('playbook', playbookText, 'file', workingDirectory);

  const inventoryText = readInput('inventory');
  const classified = inventoryText
    ? // A path outside the repository is taken as a path, to be refused as one.
      classifyInventory(
        inventoryText,
        (p) => existsSync(path.resolve(workingDirectory, p)) || isOutside(p, workingDirectory),
      )
    : undefined;
  const inventory =
    classified?.kind === 'path'
      ? { kind: 'path' as const, path: pathInRepository('inventory', classified.path, 'any', workingDirectory) }
      : classified;
  if (inventory?.kind === 'content') checkInventoryContent(inventory.content);
  const outputsJson = readInput('inventory-from-terraform');
  const terraformInventory = outputsJson
    ? inventoryFromTerraform(outputsJson, readString('terraform-hosts-output'), maskSecret)
    : undefined;
  if (!inventory && !terraformInventory) {
    throw invalidInput('inventory', 'is required: give an inventory path or content, or inventory-from-terraform.');
  }

  const extraVarsText = readInput('extra-vars');
  const secretVars = readSecretVars();
  const knownHosts = readInput('known-hosts');
  const hostKeyText = readInput('host-key-checking');
  const hostKeyChecking = parseBoolean('host-key-checking', hostKeyText, true);
  if (hostKeyChecking && !knownHosts.trim()) {
    throw invalidInput(
      'known-hosts',
      "is empty, so host keys cannot be checked: give the hosts' known_hosts lines (ssh-keyscan them once and keep them in a secret or variable), or set host-key-checking: false to accept any host key.",
    );
  }
  const forks = readInput('forks') ? readInteger('forks', 5, { min: 1, max: 500 }) : undefined;

  const optionalPath = (name: string) => {
    const text = readString(name);
    return text ? pathInRepository(name, text, 'file', workingDirectory) : '';
  };
  const settings: AnsibleDeploySettings = {
    workingDirectory,
    playbook,
    ...(inventory ? { inventory } : {}),
    ...(terraformInventory ? { terraformInventory } : {}),
    limit: hostPatterns(readList('limit')),
    tags: oneLine('tags', readString('tags')),
    skipTags: oneLine('skip-tags', readString('skip-tags')),
    check: readBoolean('check', false),
    diff: readBoolean('diff', false),
    become: readBoolean('become', false),
    user: userName(readString('user')),
    ...(forks !== undefined ? { forks } : {}),
    requirements: optionalPath('requirements'),
    ansibleConfig: optionalPath('ansible-config'),
    ...(extraVarsText || secretVars
      ? // Secret variables win over the extra ones of the same name.
        { extraVars: { ...(extraVarsText ? parseMapInput('extra-vars', extraVarsText) : {}), ...secretVars } }
      : {}),
    privateKey,
    vaultPassword,
    knownHosts: knownHosts.trim() ? `${knownHosts.trim()}\n` : '',
    hostKeyChecking,
    retriesUnreachable: readInteger('retries-unreachable', 0, { min: 0, max: 10 }),
  };
  return {
    settings,
    ...(hostKeyChecking
      ? {}
      : {
          hostKeyWarning:
            'host-key-checking is false: any host key is accepted, so a host that is not the one you meant (a changed IP, a spoofed DNS name) gets the deploy and its secrets. Give known-hosts instead.',
        }),
  };
}

/**
 * A path input relative to working-directory that must stay inside the
 * repository (GITHUB_WORKSPACE), links followed: `../../etc`, `/etc/passwd`
 * and a missing path are one invalid-input error naming the input.
 * `any`: a file or a directory (an inventory may be either).
 */
export function pathInRepository(
  name: string,
  text: string,
  kind: 'file' | 'directory' | 'any',
  workingDirectory: string,
): string {
  if (/[\0\r\n]/.test(text)) throw invalidInput(name, 'must be one path on one line.');
  const root = repositoryRoot();
  const absolute = path.resolve(workingDirectory, text);
  const relative = path.relative(path.resolve(root.dir), absolute);
  if (isOutside(text, workingDirectory)) {
    throw invalidInput(name, `is '${text}', which is outside ${root.label}: give a path inside it.`);
  }
  // resolvePathInput checks it exists as that kind and that no link leads out of the repository.
  let resolvedKind: 'file' | 'directory' = kind === 'directory' ? 'directory' : 'file';
  if (kind === 'any' && existsSync(absolute) && statSync(absolute).isDirectory()) resolvedKind = 'directory';
  return resolvePathInput(name, relative || '.', resolvedKind, [root]);
}

/** Whether `text`, relative to the working directory, leads out of the repository (links aside). */
function isOutside(text: string, workingDirectory: string): boolean {
  const relative = path.relative(path.resolve(repositoryRoot().dir), path.resolve(workingDirectory, text));
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/** `limit` entries: host patterns. `@file` (a file of hosts) is refused: it would read a path unchecked. */
function hostPatterns(lines: readonly string[]): string[] {
  const patterns = lines.flatMap((line) =>
    line
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
  );
  if (patterns.some((pattern) => pattern.startsWith('@'))) {
    throw invalidInput('limit', "has an '@file' of hosts, which is not supported: list the hosts or groups instead.");
  }
  if (patterns.some((pattern) => /[\s\p{Cc}]/u.test(pattern))) {
    throw invalidInput(
      'limit',
      'has a host pattern with a space in it: separate hosts and groups with commas or lines.',
    );
  }
  return patterns;
}

/** A value given as one command-line argument: no line break or control character. */
function oneLine(name: string, value: string): string {
  if (/\p{Cc}/u.test(value)) throw invalidInput(name, 'has a line break or a control character: give it on one line.');
  return value;
}

/** The SSH user: one word. */
function userName(value: string): string {
  if (/[\s\p{Cc}]/u.test(value)) {
    throw invalidInput('user', 'has a space or a line break: give the SSH user name alone.');
  }
  return value;
}

/**
 * `secret-vars`: a YAML/JSON mapping of secret variables (an app's `.env`
 * content, a database password). The input is registered as a secret as a
 * whole (each line of it), the parser's messages never quote it, and every
 * value is registered once parsed; they reach Ansible with the extra
 * variables, through the same 0600 file.
 */
function readSecretVars(): Record<string, unknown> | undefined {
  const text = readSecret('secret-vars');
  if (!text) return undefined;
  const vars = parseMapInput('secret-vars', text);
  for (const value of stringLeaves(vars)) if (value.length >= MIN_SECRET_LENGTH) maskSecret(value);
  return vars;
}
