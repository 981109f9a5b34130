import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { useEnv } from '../../../../test/process-env.ts';
import { registeredSecrets } from '../action/mask.ts';
import { pathInRepository, readDeployInputs } from './deploy-inputs.ts';

// Path inputs of ansible-deploy are relative to working-directory and must
// stay inside the repository (GITHUB_WORKSPACE).

let repository: string;
let workingDirectory: string;
const saved = process.env.GITHUB_WORKSPACE;

beforeAll(async () => {
  repository = await mkdtemp(path.join(tmpdir(), 'deploy-paths-'));
  workingDirectory = path.join(repository, 'ansible');
  await mkdir(path.join(workingDirectory, 'inventories', 'prod'), { recursive: true });
  await mkdir(path.join(repository, 'shared'), { recursive: true });
  await writeFile(path.join(workingDirectory, 'site.yml'), '- hosts: all\n');
  await writeFile(path.join(repository, 'shared', 'requirements.yml'), '[]\n');
  await writeFile(path.join(workingDirectory, 'ansible.cfg'), '[defaults]\n');
  await writeFile(path.join(workingDirectory, 'hosts.ini'), 'web1\n');
  await symlink('/etc/passwd', path.join(workingDirectory, 'passwd.yml'));
  process.env.GITHUB_WORKSPACE = repository;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
  await rm(repository, { recursive: true, force: true });
});

function refusal(fn: () => unknown): { reason?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { reason?: string; message: string };
  }
  throw new Error('expected the path to be refused');
}

describe('pathInRepository', () => {
  it('resolves a path from the working directory, anywhere inside the repository', () => {
    expect(pathInRepository('playbook', 'site.yml', 'file', workingDirectory)).toBe(
      path.join(workingDirectory, 'site.yml'),
    );
    expect(pathInRepository('requirements', '../shared/requirements.yml', 'file', workingDirectory)).toBe(
      path.join(repository, 'shared', 'requirements.yml'),
    );
  });

  it('takes a file or a directory for `any` (an inventory may be either)', () => {
    expect(pathInRepository('inventory', 'inventories/prod', 'any', workingDirectory)).toBe(
      path.join(workingDirectory, 'inventories', 'prod'),
    );
    expect(pathInRepository('inventory', 'site.yml', 'any', workingDirectory)).toBe(
      path.join(workingDirectory, 'site.yml'),
    );
  });

  it.each([
    [
      '../../etc/passwd',
      "Input 'playbook' is '../../etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    [
      '/etc/passwd',
      "Input 'playbook' is '/etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    ['passwd.yml', /^Input 'playbook' is 'ansible\/passwd\.yml', a link that leads outside the repository/],
    ['missing.yml', /^Input 'playbook' is 'ansible\/missing\.yml', which does not exist in the repository/],
    ['inventories', "Input 'playbook' is 'ansible/inventories', which is a directory, not a file."],
    ['site.yml\n../../etc/passwd', "Input 'playbook' must be one path on one line."],
  ])('refuses %j as invalid-input naming the input', (text, message) => {
    const error = refusal(() => pathInRepository('playbook', text, 'file', workingDirectory));
    expect(error.reason).toBe('invalid-input');
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});

/** Sets `with:` inputs as the runner does (`INPUT_<NAME>`, hyphens kept); unset ones are empty. */
function inputs(t: TestContext, values: Record<string, string>) {
  const names = [
    'private-key',
    'vault-password',
    'working-directory',
    'playbook',
    'inventory',
    'inventory-from-terraform',
    'terraform-hosts-output',
    'extra-vars',
    'secret-vars',
    'known-hosts',
    'host-key-checking',
    'forks',
    'limit',
    'tags',
    'skip-tags',
    'check',
    'diff',
    'become',
    'user',
    'requirements',
    'ansible-config',
    'retries-unreachable',
  ];
  const all = { ...Object.fromEntries(names.map((name) => [name, ''])), ...values };
  useEnv(t, Object.fromEntries(Object.entries(all).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])));
}

/** The least a deploy needs: a playbook, an inventory and the hosts' keys. */
const minimal = {
  'working-directory': 'ansible',
  playbook: 'site.yml',
  inventory: 'web1,',
  'known-hosts': 'web1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample',
};

describe('readDeployInputs', () => {
  it('reads the defaults: host keys checked, no forks, no retries, nothing optional', (t) => {
    inputs(t, minimal);
    expect(readDeployInputs()).toEqual({
      settings: {
        workingDirectory,
        playbook: path.join(workingDirectory, 'site.yml'),
        inventory: { kind: 'content', content: 'web1\n' },
        limit: [],
        tags: '',
        skipTags: '',
        check: false,
        diff: false,
        become: false,
        user: '',
        requirements: '',
        ansibleConfig: '',
        privateKey: '',
        vaultPassword: '',
        knownHosts: 'web1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n',
        hostKeyChecking: true,
        retriesUnreachable: 0,
      },
    });
  });

  it('reads every input: paths resolved inside the repository, hosts split, switches on', (t) => {
    inputs(t, {
      ...minimal,
      inventory: 'inventories/prod',
      limit: 'web1, web2\n# the database too\ndb',
      tags: 'deploy,config',
      'skip-tags': 'slow',
      check: 'true',
      diff: 'yes',
      become: 'on',
      user: 'deploy',
      forks: '20',
      requirements: '../shared/requirements.yml',
      'ansible-config': 'ansible.cfg',
      'retries-unreachable': '2',
      'extra-vars': 'release: v1.2.3\nreplicas: 3',
    });
    const { settings, hostKeyWarning } = readDeployInputs();
    expect(hostKeyWarning).toBeUndefined();
    expect(settings).toMatchObject({
      inventory: { kind: 'path', path: path.join(workingDirectory, 'inventories', 'prod') },
      limit: ['web1', 'web2', 'db'],
      tags: 'deploy,config',
      skipTags: 'slow',
      check: true,
      diff: true,
      become: true,
      user: 'deploy',
      forks: 20,
      requirements: path.join(repository, 'shared', 'requirements.yml'),
      ansibleConfig: path.join(workingDirectory, 'ansible.cfg'),
      retriesUnreachable: 2,
      extraVars: { release: 'v1.2.3', replicas: 3 },
    });
  });

  it('takes an inventory file by its path, and inventory lines as content', (t) => {
    inputs(t, { ...minimal, inventory: 'hosts.ini' });
    expect(readDeployInputs().settings.inventory).toEqual({
      kind: 'path',
      path: path.join(workingDirectory, 'hosts.ini'),
    });
    inputs(t, { ...minimal, inventory: '[web]\nweb1\nweb2\n' });
    expect(readDeployInputs().settings.inventory).toEqual({ kind: 'content', content: '[web]\nweb1\nweb2\n' });
  });

  it('builds the inventory from Terraform outputs, alone or with a given inventory', (t) => {
    const outputs = JSON.stringify({ web_ips: { value: ['10.0.0.5', '10.0.0.6'], type: 'list', sensitive: false } });
    inputs(t, { ...minimal, inventory: '', 'inventory-from-terraform': outputs, 'terraform-hosts-output': 'web_ips' });
    const { settings } = readDeployInputs();
    expect(settings.inventory).toBeUndefined();
    expect(settings.terraformInventory).toMatch(/^all:\n {2}hosts:\n {4}10\.0\.0\.5: null\n {4}10\.0\.0\.6: null\n$/);

    inputs(t, { ...minimal, 'inventory-from-terraform': outputs, 'terraform-hosts-output': 'web_ips' });
    const both = readDeployInputs().settings;
    expect(both.inventory).toEqual({ kind: 'content', content: 'web1\n' });
    expect(both.terraformInventory).toContain('10.0.0.5');
  });

  it('masks the key, the vault password and every secret variable of 4 characters or more', (t) => {
    const { privateKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    inputs(t, {
      ...minimal,
      // As pasted into a secret on Windows: CRLF line endings, no final newline.
      'private-key': privateKey.trim().replace(/\n/g, '\r\n'),
      'vault-password': 'vault-pa55word',
      'secret-vars': 'db_password: s3cr3t-db-pass\nport: 5432\nflag: "no"\nnested:\n  - api-token-value',
      'extra-vars': 'db_password: placeholder\nrelease: v1',
    });
    const { settings } = readDeployInputs();
    expect(settings.privateKey).toBe(privateKey);
    expect(settings.vaultPassword).toBe('vault-pa55word');
    // Secret variables win over extra ones of the same name.
    expect(settings.extraVars).toEqual({
      db_password: 's3cr3t-db-pass',
      release: 'v1',
      port: 5432,
      flag: 'no',
      nested: ['api-token-value'],
    });
    const secrets = registeredSecrets();
    for (const secret of [privateKey, 'vault-pa55word', 's3cr3t-db-pass', '5432', 'api-token-value']) {
      expect(secrets).toContain(secret);
    }
    // Two letters masked would star them out of every line of the log.
    expect(secrets).not.toContain('no');
  });

  it('takes blank secret-vars as none', (t) => {
    inputs(t, { ...minimal, 'secret-vars': '  \n' });
    expect(readDeployInputs().settings.extraVars).toBeUndefined();
  });

  it('accepts any host key only when asked, with a warning to give known-hosts instead', (t) => {
    inputs(t, { ...minimal, 'known-hosts': '', 'host-key-checking': 'false' });
    const { settings, hostKeyWarning } = readDeployInputs();
    expect(settings.hostKeyChecking).toBe(false);
    expect(settings.knownHosts).toBe('');
    expect(hostKeyWarning).toBe(
      'host-key-checking is false: any host key is accepted, so a host that is not the one you meant (a changed IP, a spoofed DNS name) gets the deploy and its secrets. Give known-hosts instead.',
    );
  });

  it.for<[string, Record<string, string>, string | RegExp]>([
    [
      'no playbook',
      { playbook: '' },
      "Input 'playbook' is required: the playbook file to run, relative to working-directory.",
    ],
    [
      'a playbook outside the repository',
      { playbook: '../../etc/passwd' },
      "Input 'playbook' is '../../etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    [
      'a working directory that does not exist',
      { 'working-directory': 'nowhere' },
      /^Input 'working-directory' is 'nowhere', which does not exist in the repository/,
    ],
    [
      'no inventory',
      { inventory: '' },
      "Input 'inventory' is required: give an inventory path or content, or inventory-from-terraform.",
    ],
    [
      'an inventory path outside the repository',
      { inventory: '../../etc/hosts' },
      "Input 'inventory' is '../../etc/hosts', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    [
      'an inventory that is neither a path nor content',
      { inventory: 'missing.ini' },
      /^Input 'inventory' 'missing\.ini' was not found: give a path relative to working-directory/,
    ],
    [
      'YAML inventory content that is not valid YAML',
      { inventory: 'all:\n  hosts: [web1\n' },
      /^Input 'inventory' is not valid YAML: .* at line \d+, column \d+\.$/,
    ],
    [
      'Terraform outputs without the output that holds the hosts',
      { inventory: '', 'inventory-from-terraform': '{}' },
      "Input 'terraform-hosts-output' is required with inventory-from-terraform: name the Terraform output that holds the hosts",
    ],
    [
      'no known hosts while host keys are checked',
      { 'known-hosts': ' \n' },
      /^Input 'known-hosts' is empty, so host keys cannot be checked: .* or set host-key-checking: false to accept any host key\.$/,
    ],
    [
      'a host-key-checking that is not a boolean',
      { 'host-key-checking': 'sometimes' },
      "Input 'host-key-checking' must be true or false (got 'sometimes').",
    ],
    ['forks of 0', { forks: '0' }, /^Input 'forks' must be a whole number.* \(got '0'\)\.$/],
    ['forks over 500', { forks: '501' }, /^Input 'forks' must be a whole number.* \(got '501'\)\.$/],
    ['forks that are not a number', { forks: 'many' }, /^Input 'forks' must be a whole number.* \(got 'many'\)\.$/],
    [
      'retries-unreachable over 10',
      { 'retries-unreachable': '11' },
      /^Input 'retries-unreachable' must be a whole number.* \(got '11'\)\.$/,
    ],
    [
      'a limit that reads hosts from a file',
      { limit: 'web1,@hosts.txt' },
      "Input 'limit' has an '@file' of hosts, which is not supported: list the hosts or groups instead.",
    ],
    [
      'a limit with a space inside a host pattern',
      { limit: 'web1 web2' },
      "Input 'limit' has a host pattern with a space in it: separate hosts and groups with commas or lines.",
    ],
    [
      'tags on two lines',
      { tags: 'deploy\nconfig' },
      "Input 'tags' has a line break or a control character: give it on one line.",
    ],
    [
      'skip-tags with a control character',
      { 'skip-tags': 'slow\u0007' },
      "Input 'skip-tags' has a line break or a control character: give it on one line.",
    ],
    [
      'a user with a space',
      { user: 'deploy -o ProxyCommand=x' },
      "Input 'user' has a space or a line break: give the SSH user name alone.",
    ],
    ['a check that is not a boolean', { check: 'maybe' }, "Input 'check' must be true or false (got 'maybe')."],
    [
      'requirements outside the repository',
      { requirements: '/etc/passwd' },
      "Input 'requirements' is '/etc/passwd', which is outside the repository (GITHUB_WORKSPACE): give a path inside it.",
    ],
    [
      'an ansible-config that does not exist',
      { 'ansible-config': 'missing.cfg' },
      /^Input 'ansible-config' is 'ansible\/missing\.cfg', which does not exist in the repository/,
    ],
    [
      'extra-vars that are not a mapping',
      { 'extra-vars': '- one\n- two' },
      "Input 'extra-vars' must be a mapping of keys to values, e.g. `key: value` on each line.",
    ],
    [
      'secret-vars that are not a mapping',
      { 'secret-vars': 'just-a-password' },
      "Input 'secret-vars' must be a mapping of keys to values, e.g. `key: value` on each line.",
    ],
    [
      'a private key that is a public key',
      { 'private-key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample deploy@ci' },
      "Input 'private-key' is a public key: give the private key (the key file without .pub)",
    ],
  ])('refuses %s with one line naming the input', ([, values, message], t) => {
    inputs(t, { ...minimal, ...values });
    assert.throws(() => readDeployInputs(), invalidInputError(message));
    assert.throws(
      () => readDeployInputs(),
      (error: Error) => !error.message.includes('\n'),
    );
  });
});
