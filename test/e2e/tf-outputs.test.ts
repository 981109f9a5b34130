import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/run-action.ts';
import { readDoubleCalls } from '../terraform-double/index.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

// The committed tf-outputs bundle, run as the runner runs it, through the
// Terraform CLI double: it reads a stack's outputs and plans or applies
// nothing. (tf-outputs-real.test.ts runs it with a real binary.)

const STACK = 'infra/environments/prod';
const DB_PASSWORD = 'pg-s3cret-only-terraform-knows';
const ADMIN_TOKEN = 'tok_sensitive_admin_0123456789';
const BACKEND_PASSWORD = 'backend-pass-never-shown';

describe('tf-outputs end to end', () => {
  let world: TerraformWorld;
  let scenario: string;
  beforeAll(async () => {
    world = await startTerraformWorld();
    // A stack's state with public outputs, one marked sensitive and one only named like a secret.
    scenario = path.join(world.dir, 'outputs-scenario');
    await mkdir(scenario, { recursive: true });
    const outputs = {
      hosts: { sensitive: false, type: ['list', 'string'], value: ['10.0.1.10', '10.0.1.11'] },
      app_url: { sensitive: false, type: 'string', value: 'https://prod.example.test' },
      db: {
        sensitive: false,
        type: ['object', { port: 'number', name: 'string' }],
        value: { port: 5432, name: 'app' },
      },
      db_password: { sensitive: false, type: 'string', value: DB_PASSWORD },
      admin: { sensitive: true, type: ['object', { token: 'string' }], value: { token: ADMIN_TOKEN } },
    };
    await writeFile(
      path.join(scenario, 'state.json'),
      JSON.stringify({ format_version: '1.0', values: { outputs, root_module: {} } }),
    );
    await writeFile(path.join(scenario, 'plan'), 'No changes.\n');
    await writeFile(path.join(scenario, 'plan.json'), '{}');
    await writeFile(path.join(scenario, 'apply.json'), '[]');
  });
  afterAll(() => world.close());

  async function readOutputs(inputs: Record<string, string>, checkout?: string, actionDir?: string) {
    const workspace = checkout ?? (await world.checkout(STACK, 'no_changes'));
    const run = await world.run('tf-outputs', {
      workspace,
      ...(actionDir ? { actionDir } : {}),
      inputs: { 'working-directory': STACK, version: '1.9.8', ...inputs },
      double: { scenario },
    });
    const leftovers = existsSync(run.runnerTemp) ? await readdir(run.runnerTemp, { recursive: true }) : [];
    const calls = (await readDoubleCalls(run.doubleEnv)).map((c) => c.argv.join(' '));
    await run.cleanup();
    return Object.assign(run, { leftovers, calls });
  }

  it('reads the outputs without planning or applying; secret ones are left out and masked', async () => {
    const run = await readOutputs({ 'backend-config': `password=${BACKEND_PASSWORD}`, workspace: 'default' });
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(JSON.parse(run.main.outputs['outputs-json']!)).toEqual({
      hosts: { sensitive: false, type: ['list', 'string'], value: ['10.0.1.10', '10.0.1.11'] },
      app_url: { sensitive: false, type: 'string', value: 'https://prod.example.test' },
      db: {
        sensitive: false,
        type: ['object', { port: 'number', name: 'string' }],
        value: { port: 5432, name: 'app' },
      },
    });
    expect(run.main.outputs.outputs).toBe('5');
    // Only init and output: nothing is planned, applied, nor a workspace created.
    expect(run.calls.map((c) => c.split(' ')[0])).toEqual(['version', 'init', 'output']);
    expect(run.calls.at(-1)).toBe('output -json -no-color');
    expect(run.main.masks).toEqual(expect.arrayContaining([DB_PASSWORD, ADMIN_TOKEN, BACKEND_PASSWORD]));
    for (const secret of [DB_PASSWORD, ADMIN_TOKEN, BACKEND_PASSWORD]) expect(run.visibleText()).not.toContain(secret);
    // The job summary: names and types; values of the public outputs only.
    expect(run.main.summary).toContain('## Terraform outputs of `infra/environments/prod` · workspace `default`');
    expect(run.main.summary).toContain('| `hosts` | `list(string)` | ["10.0.1.10","10.0.1.11"] |');
    expect(run.main.summary).toContain(
      '| `db` | `object({ port = number, name = string })` | {"port":5432,"name":"app"} |',
    );
    expect(run.main.summary).toContain('| `db_password` | `string` | 🔒 secret: left out of `outputs-json`, masked |');
    expect(run.main.summary).toContain('| `admin` | `object({ token = string })` | 🔒 secret');
    // Terraform's data directory (the backend settings) is gone when the step ends.
    expect(run.leftovers.filter((f) => f.includes('terraform-data/'))).toEqual([]);
  });

  it('reads a workspace that exists, and creates none that does not (workspace-not-found)', async () => {
    const checkout = await world.checkout(STACK, 'no_changes');
    // A workspace the stack's backend holds, as an earlier apply would have left it.
    await mkdir(path.join(checkout, STACK, 'terraform.tfstate.d', 'staging'), { recursive: true });
    const staging = await readOutputs({ workspace: 'staging' }, checkout);
    expect(staging.main.exitCode, staging.main.log).toBe(0);
    expect(staging.calls).toContain('workspace select staging');

    const missing = await readOutputs({ workspace: 'prod-eu' }, checkout);
    expect(missing.main.exitCode).toBe(1);
    expect(missing.main.outputs['failure-reason']).toBe('workspace-not-found');
    expect(missing.main.log).toMatch(/Workspace `prod-eu` does not exist in the stack's backend: check `workspace`/);
    expect(missing.calls.some((c) => c.startsWith('workspace new'))).toBe(false);
    expect(missing.calls.some((c) => c.startsWith('output'))).toBe(false);
    expect(missing.main.summary).toMatch(/Could not read the outputs\*\* \(`workspace-not-found`\)/);
  });

  it('runs the same from the short reference form, `<org>/iac-actions/tf-outputs` (the root action.yml)', async () => {
    const long = await readOutputs({});
    // As the runner resolves it: the root directory's action.yml, its runs.main joined to that directory.
    const short = await readOutputs({}, undefined, path.join(REPO_ROOT, 'tf-outputs'));
    expect(short.main.exitCode, short.main.log).toBe(0);
    expect(short.main.outputs).toEqual(long.main.outputs);
    expect(short.post?.exitCode).toBe(0);
  });

  it('refuses bad input before running anything', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'working-directory': '../elsewhere' }, /Input 'working-directory'/],
      [{ 'backend-config': 'missing.hcl' }, /Input 'backend-config'.*missing\.hcl/],
      [{ workspace: 'a/b' }, /Input 'workspace' is not a workspace name/],
      [{ timeout: 'soon' }, /Input 'timeout'/],
    ];
    for (const [inputs, message] of cases) {
      const run = await readOutputs(inputs);
      expect(run.main.outputs['failure-reason'], JSON.stringify(inputs)).toBe('invalid-input');
      expect(run.main.log).toMatch(message);
      expect(run.calls).toEqual([]);
    }
  });
});
