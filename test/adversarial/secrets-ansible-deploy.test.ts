import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.ts';
import { startSshServer, type SshServer } from '../services/sshd.ts';
import { bundle } from './bundles.ts';
import { describeLeaks, findLeaks, forbiddenChildVariables } from './channels.ts';
import { allSecrets, makeCorpus, yamlIndicatorSecrets, type Corpus, type Secret } from './corpus.ts';
import { observe, type Observation } from './observe.ts';
import { startRecorder, type Recorder } from './recorder.ts';

// The secret corpus through ansible-deploy, with Debian's ansible against a
// real sshd on loopback: the SSH private key (made by ssh-keygen for the
// server), the vault password (decrypting a vaulted vars file), and
// extra-vars values starting with YAML indicators. ansible-playbook, ssh and
// the other programs run behind logging wrappers, so that their command lines
// and environments are searched too.

const PLAYBOOK = `- hosts: all
  gather_facts: false
  vars_files: [secrets.yml]
  tasks:
    - name: write the release file
      copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}.txt"
        content: "{{ release_note }}\\n"
        mode: "0644"
    - name: refuse when asked
      fail:
        msg: "deploy refused"
      when: fail_now | default(false) | bool
`;

describe('secrets through ansible-deploy', () => {
  let corpus: Corpus;
  let secrets: Secret[];
  let sshd: SshServer;
  let recorder: Recorder;
  let scratch: string;

  beforeAll(async () => {
    sshd = await startSshServer();
    // The key the server authorises is the corpus's SSH key (ssh-keygen, made for this run).
    corpus = await makeCorpus({ sshKey: sshd.clientKey });
    secrets = allSecrets(corpus);
    scratch = await mkdtemp(path.join(tmpdir(), 'adv-ansible-'));
    recorder = await startRecorder(path.join(scratch, 'recorder'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A checkout with the playbook and a vars file encrypted with the corpus's vault password. */
  async function checkout(name: string): Promise<{ workspace: string; target: string }> {
    const workspace = path.join(scratch, name, 'workspace');
    const target = path.join(scratch, name, 'target');
    await mkdir(path.join(workspace, 'ansible'), { recursive: true });
    await mkdir(target, { recursive: true });
    await writeFile(path.join(workspace, 'ansible', 'site.yml'), PLAYBOOK);
    const vars = path.join(workspace, 'ansible', 'secrets.yml');
    await writeFile(vars, 'release_note: from the vault\n');
    const passwordFile = path.join(scratch, name, 'vault-password');
    await writeFile(passwordFile, corpus.vaultPassword.value, { mode: 0o600 });
    await promisify(execFile)('ansible-vault', ['encrypt', '--vault-password-file', passwordFile, vars]);
    await rm(passwordFile);
    return { workspace, target };
  }

  async function deploy(name: string, inputs: Record<string, string> = {}): Promise<Observation> {
    const co = await checkout(name);
    return observe('ansible-deploy', { recorder }, co.workspace, () =>
      runAction('ansible-deploy', {
        ...bundle('ansible-deploy'),
        workspace: co.workspace,
        env: { PATH: recorder.path, ACTIONS_RUNTIME_TOKEN: corpus.runtimeToken.value },
        inputs: {
          'working-directory': 'ansible',
          playbook: 'site.yml',
          inventory: `[app]\ntarget ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_python_interpreter=/usr/bin/python3\n`,
          'private-key': corpus.sshKey.value,
          'known-hosts': sshd.knownHosts,
          'vault-password': corpus.vaultPassword.value,
          'extra-vars': JSON.stringify({ target_dir: co.target }),
          ...inputs,
        },
        timeoutMs: 180_000,
      }),
    );
  }

  /** Nothing is allowed: the key and vault password go to 0600 files under RUNNER_TEMP, removed in post. */
  function expectNoLeak(observation: Observation): void {
    expect.soft(describeLeaks(findLeaks(observation.channels, secrets)), 'secrets found').toBe('');
    expect.soft(forbiddenChildVariables(observation.calls)).toEqual([]);
    // Nothing of the step is left for a later step: no key file, no SSH control socket.
    expect.soft(observation.left.runnerTemp, 'left in RUNNER_TEMP after post').toEqual([]);
    expect
      .soft(
        observation.left.home.filter((entry) => /^\.ansible\/cp\/./.test(entry)),
        'SSH control sockets left in HOME/.ansible/cp after post',
      )
      .toEqual([]);
  }

  it('a deploy with a key and a vault password: neither is anywhere but the 0600 files removed in post', async () => {
    const observation = await deploy('ok');
    const run = observation.run;
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(run.main.outputs.changed).toBe('1');
    // ssh ran (behind the wrapper), given the key as a file.
    expect(observation.calls.some((c) => c.program === 'ssh')).toBe(true);
    expect(observation.calls.some((c) => c.program === 'ansible-playbook')).toBe(true);
    expectNoLeak(observation);
  });

  it('a failing task: the failure report stays clean', async () => {
    const observation = await deploy('failing', {
      'extra-vars': JSON.stringify({ target_dir: '/nonexistent', fail_now: true }),
    });
    expect(observation.run.main.exitCode).toBe(1);
    expect(observation.run.main.outputs['failure-reason'], observation.run.main.log).toBe('hosts-failed');
    expectNoLeak(observation);
  });

  it('a wrong vault password: refused without quoting it', async () => {
    const observation = await deploy('wrong-vault', { 'vault-password': corpus.registryPassword.value });
    expect(observation.run.main.exitCode).toBe(1);
    expectNoLeak(observation);
  });

  it('extra-vars values starting with YAML indicators never reach a parser message', async () => {
    for (const secret of yamlIndicatorSecrets(corpus)) {
      const observation = await deploy(`yaml-${secret.id}`, {
        'extra-vars': `target_dir: /tmp\napi_token: ${secret.value}`,
      });
      const run = observation.run;
      if (run.main.exitCode !== 0) expect(run.main.outputs['failure-reason'], run.main.log).toBe('invalid-input');
      expectNoLeak(observation);
    }
  });
});
