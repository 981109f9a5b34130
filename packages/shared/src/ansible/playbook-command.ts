// The ansible-playbook command line and environment for one run. Pure: the
// files it names (key, vault password, known hosts, extra vars) are written
// by the caller, 0600 under RUNNER_TEMP; no secret is ever an argument.

export interface PlaybookOptions {
  playbook: string;
  inventories: readonly string[];
  limit: readonly string[];
  tags: string;
  skipTags: string;
  check: boolean;
  diff: boolean;
  become: boolean;
  user: string;
  forks?: number;
  privateKeyFile?: string;
  vaultPasswordFile?: string;
  extraVarsFile?: string;
}

export function playbookArgs(options: PlaybookOptions): string[] {
  const args: string[] = [];
  for (const inventory of options.inventories) args.push('--inventory', inventory);
  if (options.limit.length) args.push('--limit', options.limit.join(','));
  if (options.tags) args.push('--tags', options.tags);
  if (options.skipTags) args.push('--skip-tags', options.skipTags);
  if (options.check) args.push('--check');
  if (options.diff) args.push('--diff');
  if (options.become) args.push('--become');
  if (options.user) args.push('--user', options.user);
  if (options.forks !== undefined) args.push('--forks', String(options.forks));
  if (options.privateKeyFile) args.push('--private-key', options.privateKeyFile);
  if (options.vaultPasswordFile) args.push('--vault-password-file', options.vaultPasswordFile);
  // `@file`: the values never pass through a shell or a command line, so quotes, spaces and newlines arrive intact.
  if (options.extraVarsFile) args.push('--extra-vars', `@${options.extraVarsFile}`);
  args.push(options.playbook);
  return args;
}

export interface PlaybookEnvOptions {
  /** The directory of the results callback plugin shipped with the action. */
  callbackDir: string;
  resultsFile: string;
  /** known_hosts to check host keys against; absent only with host key checking off. */
  knownHostsFile?: string;
  hostKeyChecking: boolean;
  ansibleConfig?: string;
  /** The callbacks the user enabled already (ANSIBLE_CALLBACKS_ENABLED), kept. */
  enabledCallbacks?: string;
  /** The step's own directory for SSH control sockets (see ssh-connections.ts). */
  controlPathDir: string;
}

/**
 * Ansible's default `ssh_args` less connection sharing: a master connection
 * left open after the step would let a later step in without key or host key.
 * Given as the environment, this replaces `ssh_args` of an ansible.cfg.
 */
export const SSH_ARGS = '-C -o ControlMaster=no -o ControlPath=none';

export function playbookEnv(options: PlaybookEnvOptions): Record<string, string> {
  const sshArgs = options.hostKeyChecking
    ? ['-o StrictHostKeyChecking=yes', `-o UserKnownHostsFile=${options.knownHostsFile}`]
    : ['-o StrictHostKeyChecking=no', '-o UserKnownHostsFile=/dev/null'];
  return {
    ANSIBLE_CALLBACK_PLUGINS: [
      options.callbackDir,
      '~/.ansible/plugins/callback',
      '/usr/share/ansible/plugins/callback',
    ].join(':'),
    ANSIBLE_CALLBACKS_ENABLED: [options.enabledCallbacks, 'iac_results'].filter(Boolean).join(','),
    IAC_ANSIBLE_RESULTS_FILE: options.resultsFile,
    ANSIBLE_HOST_KEY_CHECKING: options.hostKeyChecking ? 'True' : 'False',
    ANSIBLE_SSH_COMMON_ARGS: sshArgs.join(' '),
    ANSIBLE_SSH_ARGS: SSH_ARGS,
    // Should an inventory turn sharing back on (ansible_ssh_args), its sockets are the step's, closed when it ends.
    ANSIBLE_SSH_CONTROL_PATH_DIR: options.controlPathDir,
    ANSIBLE_SSH_CONTROL_PATH: '%(directory)s/%%C',
    // No `.retry` files in the checkout; ansible-deploy reruns unreachable hosts itself.
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    // GitHub's log renders colours; the output is streamed line by line.
    ANSIBLE_FORCE_COLOR: 'True',
    PYTHONUNBUFFERED: '1',
    ...(options.ansibleConfig ? { ANSIBLE_CONFIG: options.ansibleConfig } : {}),
  };
}
