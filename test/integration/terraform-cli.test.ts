import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTerraformCli, type TerraformCli } from '@iac-actions/shared/terraform/cli.ts';
import { spawnRunner } from '@iac-actions/shared/util/command.ts';
import {
  installTerraformDouble,
  readDoubleCalls,
  scenarioDir,
  VALIDATE_FIXTURES,
  type DoubleCall,
  type TerraformDoubleOptions,
} from '../terraform-double/index.ts';
import { actionError } from '../assertions.ts';

// The CLI runner against the Terraform CLI double as a real process on PATH:
// the command lines, files and environment it produces, and how it reads the
// exit codes and texts of Terraform.

interface Stack {
  cli: TerraformCli;
  /** What the double was asked, call by call. */
  calls(): Promise<DoubleCall[]>;
  /** The root module the commands run in. */
  dir: string;
  runnerTemp: string;
  /** What the step log shows. */
  log(): string;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'terraform-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let stacks = 0;
async function stack(options: TerraformDoubleOptions & { binary?: 'terraform' | 'tofu' } = {}): Promise<Stack> {
  const root = path.join(scratch, `stack-${++stacks}`);
  const dir = path.join(root, 'infra');
  const runnerTemp = path.join(root, 'runner-temp');
  await mkdir(dir, { recursive: true });
  await mkdir(runnerTemp, { recursive: true });
  const env = await installTerraformDouble(path.join(root, 'bin'), options);
  const logged: Buffer[] = [];
  const log = new PassThrough();
  log.on('data', (chunk: Buffer) => logged.push(chunk));
  const cli = createTerraformCli({
    binary: options.binary ?? 'terraform',
    workingDirectory: dir,
    env,
    exec: spawnRunner(log),
    tempDir: runnerTemp,
  });
  return { cli, calls: () => readDoubleCalls(env), dir, runnerTemp, log: () => Buffer.concat(logged).toString('utf8') };
}

async function initialized(options: TerraformDoubleOptions & { binary?: 'terraform' | 'tofu' } = {}): Promise<Stack> {
  const s = await stack(options);
  await s.cli.init();
  return s;
}

const fixture = (scenario: string, file: string) => readFile(path.join(scenarioDir(scenario), file), 'utf8');

describe('init', () => {
  it('passes backend files as given and settings through a private file, in automation, with the plugin cache', async () => {
    const s = await stack({ scenario: 'basic_list_update' });
    await writeFile(path.join(s.dir, 'backend.hcl'), 'bucket = "acme-state"\n');
    const cache = path.join(s.runnerTemp, 'plugin-cache');
    await s.cli.init({ backendConfig: ['backend.hcl', 'access_key=AKIAEXAMPLESECRET'], pluginCacheDir: cache });

    const [call] = await s.calls();
    assert.equal(call!.cwd, s.dir);
    assert.equal(call!.argv.slice(0, 4).join(' '), 'init -input=false -no-color -backend-config=backend.hcl');
    assert.ok(!call!.argv.join(' ').includes('AKIAEXAMPLESECRET'), 'a backend setting reached the command line');
    const settings = call!.files.find((f) => f.path.startsWith(s.runnerTemp));
    assert.deepEqual(settings && { content: settings.content, mode: settings.mode }, {
      content: 'access_key = "AKIAEXAMPLESECRET"\n',
      mode: '600',
    });
    assert.ok(!existsSync(settings!.path), 'the settings file outlived init');
    assert.deepEqual(
      {
        TF_IN_AUTOMATION: call!.env.TF_IN_AUTOMATION,
        TF_INPUT: call!.env.TF_INPUT,
        TF_PLUGIN_CACHE_DIR: call!.env.TF_PLUGIN_CACHE_DIR,
      },
      { TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_PLUGIN_CACHE_DIR: cache },
    );
    assert.match(s.log(), /Terraform has been successfully initialized!/);
    assert.ok(existsSync(path.join(s.dir, '.terraform.lock.hcl')));

    // A second init finds the provider in the shared cache.
    await s.cli.init({ pluginCacheDir: cache });
    assert.match(s.log(), /- Using hashicorp\/tfcoremock v0\.1\.1 from the shared cache directory/);
  });

  it('fails with init-failed and the error when a backend file is missing', async () => {
    const s = await stack({ scenario: 'basic_list_update' });
    await assert.rejects(
      s.cli.init({ backendConfig: ['missing.hcl'] }),
      actionError(
        'init-failed',
        /^terraform init failed: Failed to read file\n\nError: Failed to read file\n\nThe file "missing\.hcl" could not be read\.$/,
      ),
    );
  });
});

describe('selectWorkspace', () => {
  it('creates a missing workspace, then selects it when it exists', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    await s.cli.selectWorkspace('staging');
    await s.cli.selectWorkspace('default');
    await s.cli.selectWorkspace('production');
    await s.cli.selectWorkspace('staging');

    const workspaceCalls = (await s.calls()).filter((c) => c.argv[0] === 'workspace').map((c) => c.argv.join(' '));
    assert.deepEqual(workspaceCalls, [
      'workspace select staging',
      'workspace new staging',
      'workspace select production',
      'workspace new production',
      'workspace select staging',
    ]);
    assert.equal(await readFile(path.join(s.dir, '.terraform', 'environment'), 'utf8'), 'staging');
    assert.match(s.log(), /Created and switched to workspace "staging"!/);
    assert.match(s.log(), /Switched to workspace "staging"\./);
  });
});

describe('validate', () => {
  it('reports a valid configuration', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    assert.deepEqual(await s.cli.validate(), { valid: true, errorCount: 0, warningCount: 0, diagnostics: [] });
  });

  it('returns the diagnostics of an invalid configuration', async () => {
    const file = path.join(VALIDATE_FIXTURES, 'incorrectmodulename.json');
    const s = await initialized({ scenario: 'basic_list_update', validate: file });
    const expected = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(await s.cli.validate(), {
      valid: false,
      errorCount: 3,
      warningCount: 0,
      diagnostics: expected.diagnostics,
    });
  });

  it('fails with validate-failed before init', async () => {
    const s = await stack({ scenario: 'basic_list_update' });
    await assert.rejects(s.cli.validate(), actionError('validate-failed', /Inconsistent dependency lock file/));
  });
});

describe('plan', () => {
  it('reports changes (exit code 2) and passes variables only through a private file', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    await writeFile(path.join(s.dir, 'prod.tfvars'), 'region = "eu-west-1"\n');
    const out = path.join(s.runnerTemp, 'plan.tfplan');
    const vars = { db_password: 'hunter2-do-not-print', replicas: 3 };

    const result = await s.cli.plan({ out, vars, varFiles: ['prod.tfvars'], lockTimeout: '0s' });
    assert.equal(result.changes, true);
    assert.equal(result.exitCode, 2);
    assert.match(result.stdout, /Plan: 0 to add, 1 to change, 0 to destroy\.\n$/);
    assert.doesNotMatch(result.stdout, /Saved the plan/, 'in automation Terraform prints no next steps');

    const plan = (await s.calls()).find((c) => c.argv[0] === 'plan')!;
    assert.ok(!plan.argv.some((a) => a.includes('hunter2') || a === '-var' || a.startsWith('-var=')));
    assert.deepEqual(
      plan.argv.filter((a) => a.startsWith('-var-file=')).map((a) => path.dirname(a.slice('-var-file='.length))),
      ['.', s.runnerTemp],
    );
    const generated = plan.files.find((f) => f.path.startsWith(s.runnerTemp))!;
    assert.deepEqual(JSON.parse(generated.content!), vars);
    assert.equal(generated.mode, '600');
    assert.ok(!existsSync(generated.path), 'the variables file outlived the plan');
    assert.ok(existsSync(out));

    // The plan text is returned, not echoed: values a provider forgot to mark
    // sensitive are masked by the caller before it prints the plan.
    assert.match(result.stdout, /tfcoremock_list\.list will be updated in-place/);
    assert.doesNotMatch(s.log(), /will be updated in-place/);
    assert.match(s.log(), /\[command\].* plan -input=false/);
    assert.doesNotMatch(s.log(), /hunter2/);
  });

  it('reports no changes (exit code 0)', async () => {
    const s = await initialized({ scenario: 'no_changes' });
    const result = await s.cli.plan({ out: 'plan.tfplan' });
    assert.equal(result.changes, false);
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /No changes\. Your infrastructure matches the configuration\./);
  });

  it('counts drift as a change only in a refresh-only plan', async () => {
    const s = await initialized({ scenario: 'drift_refresh_only' });
    assert.equal((await s.cli.plan({ out: 'refresh.tfplan', mode: 'refresh-only' })).changes, true);
    assert.equal((await s.cli.plan({ out: 'normal.tfplan' })).changes, false);
    const modes = (await s.calls()).filter((c) => c.argv[0] === 'plan').map((c) => c.argv.includes('-refresh-only'));
    assert.deepEqual(modes, [true, false]);
  });

  it('fails with plan-failed and the error text', async () => {
    const s = await initialized({ scenario: 'basic_list_update', planError: true });
    await assert.rejects(
      s.cli.plan({ out: 'plan.tfplan' }),
      actionError(
        'plan-failed',
        /^terraform plan failed: Reference to undeclared resource\n/,
        /on main\.tf line 14, in output "copied":\n {2}14: {3}value = tfcoremock_simple_resource\.missing\.string/,
        /A managed resource "tfcoremock_simple_resource" "missing" has not been\ndeclared in the root module\./,
      ),
    );
  });

  it('fails with state-locked naming who holds the lock, and never applies', async () => {
    const s = await initialized({ scenario: 'basic_list_update', lock: 'held', lockHolder: 'alice@ci-runner-7' });
    await assert.rejects(
      s.cli.plan({ out: 'plan.tfplan', lockTimeout: '500ms' }),
      actionError(
        'state-locked',
        /locked by alice@ci-runner-7 since 2024-05-14T09:21:07\.482Z \(apply\)/,
        /lock ID 9db590f1-b6fe-c5f2-2678-8804f089deba/,
        /`terraform force-unlock 9db590f1-b6fe-c5f2-2678-8804f089deba`/,
      ),
    );
    const calls = await s.calls();
    assert.ok(calls.some((c) => c.argv.includes('-lock-timeout=500ms')));
    assert.ok(!calls.some((c) => c.argv[0] === 'apply'));
  });

  it('succeeds once a lock held for one call is released', async () => {
    const s = await initialized({ scenario: 'basic_list_update', lock: 'held-for:1' });
    await assert.rejects(s.cli.plan({ out: 'plan.tfplan' }), actionError('state-locked'));
    assert.equal((await s.cli.plan({ out: 'plan.tfplan' })).changes, true);
  });

  it('fails with plan-failed before init', async () => {
    const s = await stack({ scenario: 'basic_list_update' });
    await assert.rejects(
      s.cli.plan({ out: 'plan.tfplan' }),
      actionError('plan-failed', /registry\.terraform\.io\/hashicorp\/tfcoremock: required by this configuration/),
    );
  });
});

describe('show', () => {
  it('gives the JSON plan and the plan text of the plan file', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    const out = path.join(s.runnerTemp, 'plan.tfplan');
    await s.cli.plan({ out });

    assert.equal(await s.cli.showJson(out), await fixture('basic_list_update', 'plan.json'));

    const text = await s.cli.showText(out);
    assert.ok(text.startsWith('\nTerraform used the selected providers to generate the following execution\n'));
    assert.match(text, /# tfcoremock_list\.list will be updated in-place/);
    assert.ok(text.endsWith('Plan: 0 to add, 1 to change, 0 to destroy.\n'));
    assert.doesNotMatch(text, /Refreshing state|Saved the plan/);
  });

  it('answers for the plan file, not for the scenario of the moment', async () => {
    const first = await initialized({ scenario: 'basic_list_update' });
    const second = await initialized({ scenario: 'basic_map_update' });
    const a = path.join(first.runnerTemp, 'a.tfplan');
    const b = path.join(second.runnerTemp, 'b.tfplan');
    await first.cli.plan({ out: a });
    await second.cli.plan({ out: b });
    assert.notDeepEqual(await readFile(a), await readFile(b));
    assert.equal(await second.cli.showJson(a), await fixture('basic_list_update', 'plan.json'));
    assert.equal(await first.cli.showJson(b), await fixture('basic_map_update', 'plan.json'));
  });

  it('fails with show-failed for a file that is not a plan', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    await writeFile(path.join(s.dir, 'notes.txt'), 'hello');
    await assert.rejects(
      s.cli.showJson('notes.txt'),
      actionError('show-failed', /Failed to read the given file as a state or plan file/),
    );
  });

  it('captures a JSON plan of tens of megabytes whole', async () => {
    const big = path.join(scratch, 'big-scenario');
    await mkdir(big, { recursive: true });
    const resourceChanges = Array.from({ length: 50_000 }, (_, i) => ({
      address: `aws_instance.fleet[${i}]`,
      mode: 'managed',
      type: 'aws_instance',
      name: 'fleet',
      index: i,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: {
        actions: ['create'],
        before: null,
        after: {
          ami: 'ami-0abcdef1234567890',
          instance_type: 't3.micro',
          tags: { Name: `fleet-${i}`, Team: 'platform' },
          user_data: 'x'.repeat(300),
        },
        after_unknown: { id: true, arn: true },
      },
    }));
    const planJson = JSON.stringify({ format_version: '1.2', resource_changes: resourceChanges });
    assert.ok(planJson.length > 20_000_000);
    await writeFile(path.join(big, 'plan.json'), planJson);
    await writeFile(path.join(big, 'plan'), 'Plan: 50000 to add, 0 to change, 0 to destroy.\n');
    const s = await initialized({ scenario: big });
    await s.cli.plan({ out: 'big.tfplan' });
    const shown = await s.cli.showJson('big.tfplan');
    assert.equal(shown.length, planJson.length);
    assert.ok(shown === planJson);
  });
});

describe('apply, state and outputs', () => {
  it('applies the plan file', async () => {
    const s = await initialized({ scenario: 'basic_list_update' });
    await s.cli.plan({ out: 'plan.tfplan' });
    const { stdout } = await s.cli.apply({ planFile: 'plan.tfplan', lockTimeout: '1s' });
    assert.match(stdout, /Apply complete! Resources: 0 added, 1 changed, 0 destroyed\./);
    const apply = (await s.calls()).find((c) => c.argv[0] === 'apply')!;
    assert.deepEqual(apply.argv, ['apply', '-input=false', '-no-color', '-lock-timeout=1s', 'plan.tfplan']);
  });

  it('reads the state and the outputs', async () => {
    const s = await initialized({ scenario: 'variables_and_outputs' });
    const state = JSON.parse(await s.cli.statePull());
    assert.equal(state.version, 4);
    const outputs = await s.cli.outputJson();
    const expected = JSON.parse(await fixture('variables_and_outputs', 'state.json')).values.outputs;
    assert.deepEqual(Object.keys(outputs), Object.keys(expected).sort());
    assert.deepEqual(outputs.list_no_default, expected.list_no_default);
    assert.doesNotMatch(s.log(), /D92053D5-948A-4E5E-80BF-E53F0DB33EB5/, 'output values were echoed to the log');
  });
});

describe('version', () => {
  it('reads the version of terraform and of tofu', async () => {
    const terraform = await stack({ version: '1.9.8' });
    assert.deepEqual(await terraform.cli.version(), {
      version: '1.9.8',
      platform: expectedPlatform(),
      providerSelections: {},
    });
    const tofu = await stack({ binary: 'tofu', version: '1.8.8', scenario: 'basic_list_update' });
    await tofu.cli.init();
    assert.match(tofu.log(), /OpenTofu has been successfully initialized!/);
    assert.deepEqual(await tofu.cli.version(), {
      version: '1.8.8',
      platform: expectedPlatform(),
      providerSelections: { 'registry.opentofu.org/hashicorp/tfcoremock': '0.1.1' },
    });
  });
});

function expectedPlatform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'] ?? process.arch;
  return `${process.platform}_${arch}`;
}
