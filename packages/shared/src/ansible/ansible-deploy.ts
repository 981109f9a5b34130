import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { isMap, parseDocument } from 'yaml';
import { ActionError } from '../action/action-error.ts';
import { childEnv, type CommandRunner } from '../util/command.ts';
import { SecretFiles } from '../util/secret-files.ts';
import { installCallbackPlugin } from './callback-plugin.ts';
import { mergeRerun, parseResults, unreachableHosts, type PlayResults } from './play-results.ts';
import { playbookArgs, playbookEnv, type PlaybookOptions } from './playbook-command.ts';
import { closeSshMasters } from './ssh-connections.ts';

// One ansible-deploy: the secrets written as 0600 files under the run's own
// directory in RUNNER_TEMP, the galaxy requirements installed, the playbook
// run (and rerun for unreachable hosts), the results read from the callback
// plugin's file. The files go when the run ends, whatever happens.

export interface AnsibleDeploySettings extends Pick<
  PlaybookOptions,
  'playbook' | 'limit' | 'tags' | 'skipTags' | 'check' | 'diff' | 'become' | 'user' | 'forks'
> {
  /** Absolute, inside the repository; Ansible runs in it. */
  workingDirectory: string;
  /**
   * The playbook, an inventory path, `requirements` and `ansibleConfig` are
   * absolute, resolved from working-directory and checked to be inside the
   * repository ('' when unset).
   */
  inventory?: { kind: 'path'; path: string } | { kind: 'content'; content: string };
  /** A YAML inventory generated from Terraform outputs. */
  terraformInventory?: string;
  requirements: string;
  ansibleConfig: string;
  extraVars?: Record<string, unknown>;
  privateKey: string;
  vaultPassword: string;
  knownHosts: string;
  hostKeyChecking: boolean;
  retriesUnreachable: number;
}

export interface AnsibleDeployDeps {
  exec: CommandRunner;
  /** The run's own directory under RUNNER_TEMP (the post step removes it too). */
  workDir: string;
  /** The run's own directory for SSH control sockets (ssh-connections.ts); the post step closes it too. */
  controlDir: string;
  log(line: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export interface AnsibleDeployResult {
  results: PlayResults;
  /** How many times the playbook ran. */
  runs: number;
}

const INSTALL_HINT =
  'Install Ansible before this step (GitHub-hosted Ubuntu runners have it): `pipx install ansible-core`, or `sudo apt-get install -y ansible`.';

export async function runAnsibleDeploy(
  settings: AnsibleDeploySettings,
  deps: AnsibleDeployDeps,
): Promise<AnsibleDeployResult> {
  const env: Record<string, string> = childEnv(process.env);
  const run = async (command: string, args: string[], echo = true) => {
    try {
      return await deps.exec(command, args, { cwd: settings.workingDirectory, env, echo });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ActionError(`${command} is not on PATH. ${INSTALL_HINT}`, 'ansible-missing');
      }
      throw error;
    }
  };
  const version = await run('ansible-playbook', ['--version'], false);
  deps.log(stripVTControlCharacters(version.stdout.split('\n')[0] ?? ''));

  const files = new SecretFiles(deps.workDir);
  try {
    const inventories: string[] = [];
    if (settings.inventory?.kind === 'path') inventories.push(settings.inventory.path);
    if (settings.inventory?.kind === 'content') {
      const content = settings.inventory.content;
      inventories.push(await files.write('inventory', isYamlMapping(content) ? '.yml' : '.ini', content));
    }
    if (settings.terraformInventory)
      inventories.push(await files.write('terraform-inventory', '.yml', settings.terraformInventory));
    const knownHostsFile = settings.knownHosts ? await files.write('known_hosts', '', settings.knownHosts) : undefined;
    Object.assign(
      env,
      playbookEnv({
        callbackDir: await installCallbackPlugin(deps.workDir),
        resultsFile: '',
        hostKeyChecking: settings.hostKeyChecking,
        controlPathDir: deps.controlDir,
        ...(knownHostsFile ? { knownHostsFile } : {}),
        ...(settings.ansibleConfig
          ? { ansibleConfig: path.resolve(settings.workingDirectory, settings.ansibleConfig) }
          : {}),
        ...(process.env.ANSIBLE_CALLBACKS_ENABLED ? { enabledCallbacks: process.env.ANSIBLE_CALLBACKS_ENABLED } : {}),
      }),
    );
    const { playbook, limit, tags, skipTags, check, diff, become, user, forks } = settings;
    const options: PlaybookOptions = {
      ...{ playbook, limit, tags, skipTags, check, diff, become, user, inventories },
      ...(forks !== undefined ? { forks } : {}),
      ...(settings.privateKey ? { privateKeyFile: await files.write('id', '', settings.privateKey) } : {}),
      ...(settings.vaultPassword
        ? { vaultPasswordFile: await files.write('vault-password', '', `${settings.vaultPassword}\n`) }
        : {}),
      ...(settings.extraVars
        ? { extraVarsFile: await files.write('extra-vars', '.json', JSON.stringify(settings.extraVars)) }
        : {}),
    };

    // Paths are absolute (resolved inside the repository); shown relative to the working directory.
    const shown = (file: string) => path.relative(settings.workingDirectory, file) || file;
    if (settings.requirements) {
      await deps.group(`Installing ${shown(settings.requirements)}`, async () => {
        const result = await run('ansible-galaxy', ['install', '-r', settings.requirements]);
        if (result.exitCode !== 0) {
          throw new ActionError(
            `ansible-galaxy could not install ${shown(settings.requirements)}: ${lastLines(result)}`,
            'requirements-failed',
          );
        }
      });
    }

    let results: PlayResults | undefined;
    let runs = 0;
    let hosts = limit;
    for (;;) {
      runs++;
      const resultsFile = path.join(deps.workDir, `results-${runs}.json`);
      env.IAC_ANSIBLE_RESULTS_FILE = resultsFile;
      const title =
        runs === 1
          ? `ansible-playbook ${shown(settings.playbook)}`
          : `Rerun ${runs - 1} for unreachable hosts: ${hosts.join(', ')}`;
      const result = await deps.group(title, () => run('ansible-playbook', playbookArgs({ ...options, limit: hosts })));
      if (!existsSync(resultsFile)) {
        throw new ActionError(
          `ansible-playbook exited with ${result.exitCode} before the play ran: ${lastLines(result)}`,
          'playbook-error',
        );
      }
      const latest = parseResults(await readFile(resultsFile, 'utf8'));
      await rm(resultsFile, { force: true });
      results = results ? mergeRerun(results, latest) : latest;
      const unreachable = unreachableHosts(latest);
      if (!unreachable.length || runs > settings.retriesUnreachable) return { results, runs };
      deps.log(
        `${unreachable.length} host${unreachable.length === 1 ? '' : 's'} unreachable: ${unreachable.join(', ')}; running the playbook again for them.`,
      );
      hosts = unreachable;
    }
  } finally {
    await closeSshMasters(deps.controlDir, deps.exec);
    await files.removeAll();
  }
}

/**
 * Whether inventory content is YAML (else INI). Silent: the parser's warnings
 * quote the text (an unknown tag such as Ansible's `!vault` with its value),
 * and inventories hold passwords.
 */
function isYamlMapping(text: string): boolean {
  const document = parseDocument(text, { logLevel: 'silent', prettyErrors: false });
  return document.errors.length === 0 && isMap(document.contents);
}

function lastLines(result: { stdout: string; stderr: string }): string {
  const text = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`).trim();
  return text.split('\n').slice(-6).join('\n') || '(no output)';
}
