import { existsSync } from 'node:fs';
import path from 'node:path';
import { invalidInput } from '../action/action-error.ts';
import {
  parseBoolean,
  parseMapInput,
  readBoolean,
  readInput,
  readInteger,
  readList,
  readString,
} from '../action/inputs.ts';
import { maskSecret } from '../action/mask.ts';
import type { AnsibleDeploySettings } from './ansible-deploy.ts';
import { classifyInventory, inventoryFromTerraform } from './inventory.ts';
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
export function readDeployInputs(workspace: string): DeployInputs {
  const privateKeyText = readInput('private-key');
  maskSecret(privateKeyText);
  const vaultPassword = readInput('vault-password');
  maskSecret(vaultPassword);
  const privateKey = privateKeyText ? normalizePrivateKey(privateKeyText) : '';
  maskSecret(privateKey);

  const workingDirectory = path.resolve(workspace, readString('working-directory', '.'));
  if (!existsSync(workingDirectory)) {
    throw invalidInput(
      'working-directory',
      `is '${readString('working-directory')}', which does not exist in the workspace.`,
    );
  }
  const playbook = readString('playbook');
  if (!playbook)
    throw invalidInput('playbook', 'is required: the playbook file to run, relative to working-directory.');
  if (!existsSync(path.resolve(workingDirectory, playbook))) {
    throw invalidInput(
      'playbook',
      `is '${playbook}', which does not exist in ${path.relative(workspace, workingDirectory) || 'the workspace'}.`,
    );
  }

  const inventoryText = readInput('inventory');
  const inventory = inventoryText
    ? classifyInventory(inventoryText, (p) => existsSync(path.resolve(workingDirectory, p)))
    : undefined;
  const outputsJson = readInput('inventory-from-terraform');
  const terraformInventory = outputsJson
    ? inventoryFromTerraform(outputsJson, readString('terraform-hosts-output'))
    : undefined;
  if (!inventory && !terraformInventory) {
    throw invalidInput('inventory', 'is required: give an inventory path or content, or inventory-from-terraform.');
  }

  const extraVarsText = readInput('extra-vars');
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

  const settings: AnsibleDeploySettings = {
    workingDirectory,
    playbook,
    ...(inventory ? { inventory: inventory.kind === 'path' ? { kind: 'path', path: inventory.path } : inventory } : {}),
    ...(terraformInventory ? { terraformInventory } : {}),
    limit: readList('limit').flatMap((line) =>
      line
        .split(',')
        .map((host) => host.trim())
        .filter(Boolean),
    ),
    tags: readString('tags'),
    skipTags: readString('skip-tags'),
    check: readBoolean('check', false),
    diff: readBoolean('diff', false),
    become: readBoolean('become', false),
    user: readString('user'),
    ...(forks !== undefined ? { forks } : {}),
    requirements: readString('requirements'),
    ansibleConfig: readString('ansible-config'),
    ...(extraVarsText ? { extraVars: parseMapInput('extra-vars', extraVarsText) } : {}),
    privateKey,
    vaultPassword,
    knownHosts: knownHosts.trim() ? `${knownHosts.trim()}\n` : '',
    hostKeyChecking,
    retriesUnreachable: readInteger('retries-unreachable', 0, { min: 0, max: 10 }),
  };
  for (const [input, file] of [
    ['requirements', settings.requirements],
    ['ansible-config', settings.ansibleConfig],
  ] as const) {
    if (file && !existsSync(path.resolve(workingDirectory, file))) {
      throw invalidInput(input, `is '${file}', which does not exist in the working directory.`);
    }
  }
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
