import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, readDoubleCalls, readHungProcesses } from '../terraform-double/index.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';
import { filesHolding, runText } from './terraform-secrets.ts';

// tf-apply's inputs checked through its action.yml and committed bundle: bad
// ones refused before anything runs, the time limit of each Terraform
// command, and no backend credential left on disk after the post step.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index
const SOME_DIGEST = 'a'.repeat(64);

describe('tf-apply inputs', () => {
  let world: TerraformWorld;
  let checkout: string;
  beforeAll(async () => {
    world = await startTerraformWorld();
    checkout = await world.checkout('infra/prod', 'basic_list');
    await mkdir(path.join(checkout, 'bundles', 'prod'), { recursive: true });
    await symlink('/etc', path.join(checkout, 'bundles', 'etc'));
    await writeFile(path.join(checkout, 'infra', 'prod', 'prod.tfvars'), '');
  });
  afterAll(() => world.close());

  const apply = (inputs: Record<string, string>, options: { hang?: string; post?: boolean; backend?: string } = {}) =>
    world.run('tf-apply', {
      workspace: checkout,
      inputs: { 'working-directory': 'infra/prod', version: VERSION, ...inputs },
      double: {
        scenario: 'basic_list',
        ...(options.hang ? { hang: options.hang } : {}),
        ...(options.backend ? { backend: options.backend } : {}),
      },
      ...(options.post === false ? { post: false } : {}),
    });

  it('refuses bad inputs with one line naming the input, before any request or process', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'working-directory': '../../etc' }, /^Input 'working-directory' is '\.\.\/\.\.\/etc', which is outside/],
      [{ 'working-directory': '/etc' }, /^Input 'working-directory' is '\/etc', which is outside the repository/],
      [
        { 'working-directory': 'infra/missing' },
        /^Input 'working-directory' is 'infra\/missing', which does not exist/,
      ],
      [
        { 'plan-dir': '/etc' },
        /^Input 'plan-dir' is '\/etc', which is outside the repository \(GITHUB_WORKSPACE\) or RUNNER_TEMP/,
      ],
      [{ 'plan-dir': 'bundles/etc' }, /^Input 'plan-dir' is 'bundles\/etc', a link that leads outside/],
      [{ 'plan-dir': 'bundles/staging' }, /^Input 'plan-dir' is 'bundles\/staging', which does not exist/],
      [{ 'var-files': '/etc/passwd' }, /^Input 'var-files' is '\/etc\/passwd', which is outside the repository/],
      [{ workspace: 'prod\nstaging' }, /^Input 'workspace' is not a workspace name/],
      [{ label: 'eu west' }, /^Input 'label' must be up to 64 letters/],
      [{ version: '~> banana' }, /^Input 'version' is not a version or constraint/],
      [{ 'backend-config': 'my key=Not-Quoted-Value' }, /^Input 'backend-config' line 1 is not `key=value`/],
      [{ timeout: 'soon' }, /^Input 'timeout' must be a positive duration/],
      [{ timeout: '2m' }, /^Input 'lock-timeout' \(5m\) must be shorter than `timeout` \(2m\)/],
      [{ 'mirror-url': 'ftp://u:Not-Quoted-Pass@m.example' }, /^Input 'mirror-url' must be an http\(s\) URL/],
    ];
    for (const [inputs, message] of cases) {
      const label = JSON.stringify(inputs);
      const before = world.github.requests.length;
      const run = await apply(inputs);
      await run.cleanup();
      expect(run.main.exitCode, label).toBe(1);
      expect(run.main.outputs['failure-reason'], label).toBe('invalid-input');
      const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors, label).toHaveLength(1);
      expect(errors[0], label).toMatch(message);
      expect(errors[0], label).not.toContain('\n');
      expect(runText(run), label).not.toMatch(/Not-Quoted|unexpected error|\n\s+at /);
      expect(await readDoubleCalls(run.doubleEnv), `${label}: no process ran`).toEqual([]);
      expect(world.github.requests.length, `${label}: nothing asked of GitHub`).toBe(before);
    }
  });

  it('accepts a plan-dir of the repository, relative or absolute', async () => {
    for (const dir of ['bundles/prod', path.join(checkout, 'bundles', 'prod')]) {
      const run = await apply({ 'plan-dir': dir });
      await run.cleanup();
      // The bundle directory is empty: found, then refused for what it holds, not for where it is.
      expect(run.main.outputs['failure-reason'], dir).not.toBe('invalid-input');
    }
  });

  it('stops a Terraform command that never ends at `timeout`, with everything it started', async () => {
    const run = await apply(
      { mode: 'replan-and-compare', 'plan-digest': SOME_DIGEST, timeout: '2s', 'lock-timeout': '1s' },
      { hang: 'init' },
    );
    await run.cleanup();
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('timed-out');
    expect(run.main.outputs.applied).toBe('false');
    const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toEqual([
      expect.stringMatching(/^terraform init did not finish within 2s \(`timeout`\) and was stopped/),
    ]);
    expect(run.main.summary).toMatch(/init did not finish within 2s/);
    const calls = await readDoubleCalls(run.doubleEnv);
    expect(calls.some((c) => c.argv[0] === 'apply')).toBe(false);
    const hung = await readHungProcesses(run.doubleEnv);
    expect(hung.map((h) => h.command)).toEqual(['init']);
    for (const { pid, childPid } of hung) expect([isRunning(pid), isRunning(childPid)]).toEqual([false, false]);
  });

  it('leaves no backend setting on disk: none in the checkout during the step, none anywhere after post', async () => {
    const secret = 'Apply-Backend-Pa55word';
    const inputs = {
      mode: 'replan-and-compare',
      'plan-digest': SOME_DIGEST,
      'backend-config': `password=${secret}`,
    };
    const withoutPost = await apply(inputs, { post: false, backend: 'http' });
    try {
      // The digest is not the plan's: refused, after init wrote the backend settings.
      expect(withoutPost.main.outputs['failure-reason'], withoutPost.main.log).toBe('plan-changed');
      expect(await filesHolding([checkout, withoutPost.home], secret)).toEqual([]);
      expect((await filesHolding([withoutPost.runnerTemp], secret)).map((f) => path.basename(f))).toEqual([
        'terraform.tfstate',
      ]);
    } finally {
      await withoutPost.cleanup();
    }
    const run = await apply(inputs, { backend: 'http' });
    try {
      expect(run.post?.exitCode).toBe(0);
      expect(await filesHolding([checkout, run.runnerTemp, run.home], secret)).toEqual([]);
    } finally {
      await run.cleanup();
    }
  });
});
