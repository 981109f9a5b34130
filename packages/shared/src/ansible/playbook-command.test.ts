import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { playbookArgs, playbookEnv } from './playbook-command.ts';

describe('playbookArgs', () => {
  it('passes every option as ansible-playbook flags, secrets as file paths only', () => {
    assert.deepEqual(
      playbookArgs({
        playbook: 'site.yml',
        inventories: ['inventory/prod.ini', '/rt/terraform-inventory.yml'],
        limit: ['web', 'db1'],
        tags: 'deploy',
        skipTags: 'slow',
        check: true,
        diff: true,
        become: true,
        user: 'deploy',
        forks: 10,
        privateKeyFile: '/rt/id',
        vaultPasswordFile: '/rt/vault-password',
        extraVarsFile: '/rt/extra-vars.json',
      }),
      [
        '--inventory',
        'inventory/prod.ini',
        '--inventory',
        '/rt/terraform-inventory.yml',
        '--limit',
        'web,db1',
        '--tags',
        'deploy',
        '--skip-tags',
        'slow',
        '--check',
        '--diff',
        '--become',
        '--user',
        'deploy',
        '--forks',
        '10',
        '--private-key',
        '/rt/id',
        '--vault-password-file',
        '/rt/vault-password',
        '--extra-vars',
        '@/rt/extra-vars.json',
        'site.yml',
      ],
    );
  });
});

describe('playbookEnv', () => {
  it('checks host keys strictly against the given known_hosts and keeps the user’s callbacks', () => {
    const env = playbookEnv({
      callbackDir: '/rt/cb',
      resultsFile: '/rt/r.json',
      hostKeyChecking: true,
      knownHostsFile: '/rt/known_hosts',
      enabledCallbacks: 'profile_tasks',
      controlPathDir: '/tmp/iac-ssh-x',
    });
    assert.equal(env.ANSIBLE_HOST_KEY_CHECKING, 'True');
    assert.equal(env.ANSIBLE_SSH_COMMON_ARGS, '-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/rt/known_hosts');
    assert.equal(env.ANSIBLE_CALLBACKS_ENABLED, 'profile_tasks,iac_results');
    assert.match(env.ANSIBLE_CALLBACK_PLUGINS ?? '', /^\/rt\/cb:/);
    assert.equal(env.IAC_ANSIBLE_RESULTS_FILE, '/rt/r.json');
    assert.equal(env.ANSIBLE_RETRY_FILES_ENABLED, 'False');
  });

  it('accepts any host key only when told to', () => {
    const env = playbookEnv({
      callbackDir: '/rt/cb',
      resultsFile: '/rt/r.json',
      hostKeyChecking: false,
      controlPathDir: '/tmp/iac-ssh-x',
    });
    assert.equal(env.ANSIBLE_HOST_KEY_CHECKING, 'False');
    assert.equal(env.ANSIBLE_SSH_COMMON_ARGS, '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null');
  });

  it('turns SSH connection sharing off, and keeps any socket an inventory asks for in the step’s directory', () => {
    const env = playbookEnv({
      callbackDir: '/rt/cb',
      resultsFile: '/rt/r.json',
      hostKeyChecking: true,
      knownHostsFile: '/rt/known_hosts',
      controlPathDir: '/tmp/iac-ssh-x',
    });
    expect(env.ANSIBLE_SSH_ARGS).toBe('-C -o ControlMaster=no -o ControlPath=none');
    expect(env.ANSIBLE_SSH_ARGS).not.toMatch(/ControlPersist/);
    expect(env.ANSIBLE_SSH_CONTROL_PATH_DIR).toBe('/tmp/iac-ssh-x');
    expect(env.ANSIBLE_SSH_CONTROL_PATH).toBe('%(directory)s/%%C');
  });
});
