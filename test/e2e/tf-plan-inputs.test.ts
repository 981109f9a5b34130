import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { closedPortUrl } from '../services/http-app.ts';
import { readDoubleCalls } from '../terraform-double/index.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';
import { runText, secretFormsIn } from './terraform-secrets.ts';

// tf-plan's inputs, bad ones above all: each is refused with one line naming
// the input and `invalid-input`, before any download, process or comment.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index

describe('tf-plan inputs', () => {
  let world: TerraformWorld;
  let checkout: string;
  beforeAll(async () => {
    world = await startTerraformWorld();
    checkout = await world.checkout('infra/prod', 'basic_list');
    await writeFile(path.join(checkout, 'infra', 'prod', 'prod.tfvars'), 'size = "large"\n');
    await writeFile(path.join(checkout, 'infra', 'prod', 'main.txt'), 'not a directory\n');
    await mkdir(path.join(checkout, 'infra', 'empty'));
    // A link in the checkout that leads out of it: a pull request can add one.
    await symlink('/etc', path.join(checkout, 'infra', 'etc'));
    await symlink('/etc/passwd', path.join(checkout, 'infra', 'prod', 'passwd.tfvars'));
  });
  afterAll(() => world.close());

  async function plan(inputs: Record<string, string>) {
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace: checkout,
      event: pr.event,
      inputs: { 'working-directory': 'infra/prod', version: VERSION, ...inputs },
      double: { scenario: 'basic_list' },
    });
    await run.cleanup();
    return Object.assign(run, { pr: pr.number });
  }

  /** Refused: exit 1, `invalid-input`, one error line matching `message`, and nothing else happened. */
  async function expectRefused(inputs: Record<string, string>, message: RegExp) {
    const run = await plan(inputs);
    const label = JSON.stringify(inputs);
    expect(run.main.exitCode, label).toBe(1);
    expect(run.main.outputs['failure-reason'], label).toBe('invalid-input');
    const errors = run.main.annotations.filter((a) => a.level === 'error');
    expect(
      errors.map((e) => e.message),
      label,
    ).toHaveLength(1);
    expect(errors[0]!.message, label).toMatch(message);
    expect(errors[0]!.message, label).not.toContain('\n');
    expect(run.main.log, label).not.toMatch(/unexpected error|\n\s+at /);
    expect(await readDoubleCalls(run.doubleEnv), `${label}: no process ran`).toEqual([]);
    expect(world.github.comments(REPOSITORY, run.pr), `${label}: nothing was posted`).toEqual([]);
    expect(run.main.summary, label).toMatch(/tf-plan failed:.*\(`invalid-input`\)/);
    return run;
  }

  it('refuses a working-directory outside the repository, through a link, missing, or a file', async () => {
    const cases: [string, RegExp][] = [
      ['../../etc', /^Input 'working-directory' is '\.\.\/\.\.\/etc', which is outside the repository/],
      ['/etc', /^Input 'working-directory' is '\/etc', which is outside the repository/],
      ['infra/etc', /^Input 'working-directory' is 'infra\/etc', a link that leads outside the repository/],
      ['infra/missing', /^Input 'working-directory' is 'infra\/missing', which does not exist in the repository/],
      [
        'infra/prod/main.txt',
        /^Input 'working-directory' is 'infra\/prod\/main\.txt', which is a file, not a directory/,
      ],
    ];
    for (const [dir, message] of cases) await expectRefused({ 'working-directory': dir }, message);
  });

  it('refuses var-files and backend files outside the repository, and never quotes their lines', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'var-files': '/etc/passwd' }, /^Input 'var-files' is '\/etc\/passwd', which is outside the repository/],
      [{ 'var-files': '../../../../etc/passwd' }, /^Input 'var-files' is '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd'/],
      [{ 'var-files': 'passwd.tfvars' }, /^Input 'var-files' is 'passwd\.tfvars', a link that leads outside/],
      [{ 'var-files': 'prod.tfvars\nstaging.tfvars' }, /^Input 'var-files' is 'staging\.tfvars', which does not exist/],
      [{ 'backend-config': '/etc/passwd' }, /^Input 'backend-config' is '\/etc\/passwd', which is outside/],
    ];
    for (const [inputs, message] of cases) {
      const run = await expectRefused(inputs, message);
      expect(runText(run)).not.toContain('root:x:0:0');
    }
  });

  it('refuses a bad version, workspace, label, backend setting, timeout or mirror, naming the input', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ version: '~> banana' }, /^Input 'version' is not a version or constraint: /],
      [{ version: '1.9.8\n1.9.9' }, /^Input 'version' must be one version or constraint on one line\.$/],
      [{ workspace: 'prod\nstaging' }, /^Input 'workspace' is not a workspace name/],
      [{ workspace: '../prod' }, /^Input 'workspace' is not a workspace name/],
      [{ label: 'eu west' }, /^Input 'label' must be up to 64 letters/],
      [{ label: 'a\nb' }, /^Input 'label' must be up to 64 letters/],
      [
        { 'backend-config': 'bucket=acme\nmy key=Bad-Key-Value-1' },
        /^Input 'backend-config' line 2 is not `key=value`/,
      ],
      [{ timeout: 'soon' }, /^Input 'timeout' must be a positive duration/],
      [{ timeout: '1m', 'lock-timeout': '2m' }, /^Input 'lock-timeout' \(2m\) must be shorter than `timeout` \(1m\)/],
      [{ 'mirror-url': 'ftp://mirror.example/releases' }, /^Input 'mirror-url' must be an http\(s\) URL/],
      [{ 'mirror-url': `https://m.example/${'x'.repeat(120_000)}` }, /^Input 'mirror-url' must be one URL of at most/],
      [{ 'mirror-url': 'https://ci:Bad-Mirror-Pass-1@mirror.example/?x' }, /^Input 'mirror-url' must be a base URL/],
    ];
    for (const [inputs, message] of cases) {
      const run = await expectRefused(inputs, message);
      const text = runText(run);
      expect(text).not.toContain('Bad-Key-Value-1');
      expect(text).not.toContain('Bad-Mirror-Pass-1');
    }
  });

  it('names the stack in one form, whichever way working-directory is written', async () => {
    for (const dir of ['./infra/prod/', 'infra//prod', path.join(checkout, 'infra', 'prod')]) {
      const run = await plan({ 'working-directory': dir });
      expect(run.main.exitCode, run.main.log).toBe(0);
      const comment = world.github.comments(REPOSITORY, run.pr).find((c) => readPlanMarker(c.body ?? ''));
      expect(readPlanMarker(comment?.body ?? '')?.workingDirectory).toBe('infra/prod');
      expect(run.main.outputs['artifact-name']).toMatch(/^tfplan-infra-prod-/);
    }
  });

  it('keeps mirror-url credentials out of every message, log, summary and comment', async () => {
    const mirror = (await closedPortUrl()).replace('http://', 'http://mirror-reader:Mirr0r-S3cret-Pass@');
    const run = await plan({ version: '1.5.7', 'mirror-url': mirror });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('install-failed');
    const comment = world.github.comments(REPOSITORY, run.pr)[0]?.body ?? '';
    expect(comment).toMatch(/#### ❌ Set up terraform failed/);
    expect(comment).toMatch(/Could not download .* from http:\/\/127\.0\.0\.1:\d+\/terraform\/1\.5\.7\//);
    for (const text of [runText(run), comment]) {
      expect(secretFormsIn(text, 'Mirr0r-S3cret-Pass')).toEqual([]);
      expect(text).not.toContain('mirror-reader:');
    }
  });
});
