import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import { backendSetting, createTerraformCli, goDuration } from './cli.ts';
import type { CommandOptions, CommandResult, CommandRunner } from '../util/command.ts';

interface Call {
  command: string;
  args: string[];
  options: CommandOptions;
  /** Files named by -var-file / -backend-config, as they were while the command ran. */
  files: Record<string, { content: string; mode: number }>;
}

/** A runner that answers from a script and records each call: the edge the CLI takes. */
function scriptedRunner(...answers: Partial<CommandResult>[]): { runner: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const runner: CommandRunner = async (command, args, options) => {
    const files: Call['files'] = {};
    for (const arg of args) {
      const file = /^-(?:var-file|backend-config)=(.+)$/.exec(arg)?.[1];
      if (file && path.isAbsolute(file) && existsSync(file)) {
        files[file] = { content: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 };
      }
    }
    calls.push({ command, args: [...args], options, files });
    return { exitCode: 0, stdout: '', stderr: '', ...answers.shift() };
  };
  return { runner, calls };
}

function failure(reason: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    if (message) assert.match(error.message, message);
    return true;
  };
}

const LOCKED = `
Error: Error acquiring the state lock

Error message: resource temporarily unavailable
Lock Info:
  ID:        9db590f1-b6fe-c5f2-2678-8804f089deba
  Path:      terraform.tfstate
  Operation: OperationTypeApply
  Who:       deploy@build-7
  Version:   1.9.8
  Created:   2024-05-14 09:21:07.482311 +0000 UTC
  Info:      


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the "-lock=false"
flag, but this is not recommended.
`;

let temp: string;
beforeEach(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'tf-cli-'));
});
afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

function cli(runner: CommandRunner, env?: Record<string, string>) {
  return createTerraformCli({
    binary: 'terraform',
    workingDirectory: '/repo/infra',
    exec: runner,
    tempDir: temp,
    ...(env ? { env } : {}),
  });
}

describe('every command', () => {
  it('runs in the working directory, in automation, never asking for input, with the given env', async () => {
    const { runner, calls } = scriptedRunner({ stdout: '{"terraform_version":"1.9.8"}' });
    await cli(runner, { TF_LOG: 'WARN', TF_IN_AUTOMATION: '' }).version();
    const [call] = calls;
    assert.equal(call!.command, 'terraform');
    assert.equal(call!.options.cwd, '/repo/infra');
    assert.equal(call!.options.env.TF_IN_AUTOMATION, '1');
    assert.equal(call!.options.env.TF_INPUT, '0');
    assert.equal(call!.options.env.TF_LOG, 'WARN');
    assert.equal(call!.options.env.PATH, process.env.PATH);
  });

  it('says which command could not start and why', async () => {
    const runner: CommandRunner = () => Promise.reject(new Error('spawn terraform ENOENT'));
    await assert.rejects(
      cli(runner).init(),
      failure(
        'init-failed',
        /^terraform init could not be started: spawn terraform ENOENT\. Check that terraform is installed/,
      ),
    );
  });
});

describe('the time limit', () => {
  it('gives every command the limit, and fails one that reached it with timed-out, naming it and the limit', async () => {
    const { runner, calls } = scriptedRunner(
      {},
      { exitCode: 1, stderr: '(terraform was stopped by SIGTERM)', timedOut: true },
    );
    const limited = createTerraformCli({
      binary: 'terraform',
      workingDirectory: '/repo/infra',
      exec: runner,
      tempDir: temp,
      timeoutMs: 90_000,
    });
    await limited.init();
    const error = await limited.plan({ out: 'p.tfplan' }).catch((e: unknown) => e);
    failure('timed-out', /^terraform plan did not finish within 1m 30s \(`timeout`\) and was stopped/)(error);
    assert.ok(!(error as Error).message.includes('\n'), 'one line');
    assert.deepEqual(
      calls.map((c) => c.options.timeoutMs),
      [90_000, 90_000],
    );
  });

  it('has no limit unless one is given', async () => {
    const { runner, calls } = scriptedRunner({});
    await cli(runner).init();
    assert.equal(calls[0]!.options.timeoutMs, undefined);
  });
});

describe('init', () => {
  it('passes backend files as they are and settings through a private file, removed afterwards', async () => {
    const { runner, calls } = scriptedRunner({});
    await cli(runner).init({
      backendConfig: ['backend/prod.hcl', 'bucket=acme-state', 'password=s3cr3t"${x}'],
      pluginCacheDir: path.join(temp, 'plugins'),
      upgrade: true,
    });
    const [call] = calls;
    const generated = call!.args.filter((a) => a.startsWith(`-backend-config=${temp}`)).map((a) => a.split('=')[1]!);
    assert.deepEqual(call!.args, [
      'init',
      '-input=false',
      '-no-color',
      '-backend-config=backend/prod.hcl',
      `-backend-config=${generated[0]}`,
      `-backend-config=${generated[1]}`,
      '-upgrade',
    ]);
    assert.ok(!call!.args.join(' ').includes('s3cr3t'), 'a setting value reached the command line');
    assert.deepEqual(
      generated.map((f) => call!.files[f]),
      [
        { content: 'bucket = "acme-state"\n', mode: 0o600 },
        { content: 'password = "s3cr3t\\"$${x}"\n', mode: 0o600 },
      ],
    );
    assert.ok(
      generated.every((f) => !existsSync(f)),
      'the settings files outlived init',
    );
    assert.equal(call!.options.env.TF_PLUGIN_CACHE_DIR, path.join(temp, 'plugins'));
    assert.ok(existsSync(path.join(temp, 'plugins')), 'the plugin cache directory was not created');
    assert.equal(call!.options.echo, true);
  });

  it('fails with init-failed and Terraform error text, and still removes the settings file', async () => {
    const { runner, calls } = scriptedRunner({
      exitCode: 1,
      stdout: '\nInitializing the backend...\n',
      stderr:
        '╷\n│ Error: Failed to get existing workspaces: S3 bucket does not exist.\n│ \n│ The referenced S3 bucket must have been previously created.\n╵\n',
    });
    await assert.rejects(
      cli(runner).init({ backendConfig: ['bucket=missing'] }),
      failure(
        'init-failed',
        /^terraform init failed: Failed to get existing workspaces: S3 bucket does not exist\.\n\nError: Failed to get existing workspaces: S3 bucket does not exist\.\n\nThe referenced S3 bucket must have been previously created\.$/,
      ),
    );
    assert.ok(Object.keys(calls[0]!.files).every((f) => !existsSync(f)));
  });
});

describe('backendSetting', () => {
  it('writes strings as escaped HCL strings', () => {
    assert.equal(backendSetting('key', 'prod/network.tfstate'), 'key = "prod/network.tfstate"\n');
    assert.equal(backendSetting('token', 'a\\b"c\nd%{e}${f}'), 'token = "a\\\\b\\"c\\nd%%{e}$${f}"\n');
    assert.equal(backendSetting('skip_credentials_validation', 'true'), 'skip_credentials_validation = "true"\n');
  });

  it('keeps object and list settings as HCL expressions', () => {
    assert.equal(
      backendSetting('assume_role', '{ role_arn = "arn:aws:iam::1:role/tf" }'),
      'assume_role = { role_arn = "arn:aws:iam::1:role/tf" }\n',
    );
  });

  it('refuses a name that is not a setting, without repeating the value', () => {
    assert.throws(
      () => backendSetting('my key', 'hunter2'),
      (error: unknown) => {
        assert.ok(error instanceof ActionError);
        assert.equal(error.reason, 'init-failed');
        assert.ok(!error.message.includes('hunter2'));
        return true;
      },
    );
  });
});

describe('selectWorkspace', () => {
  it('does nothing for default', async () => {
    const { runner, calls } = scriptedRunner();
    await cli(runner).selectWorkspace('default');
    assert.equal(calls.length, 0);
  });

  it('selects an existing workspace', async () => {
    const { runner, calls } = scriptedRunner({ stdout: 'Switched to workspace "staging".\n' });
    await cli(runner).selectWorkspace('staging');
    assert.deepEqual(
      calls.map((c) => c.args),
      [['workspace', 'select', 'staging']],
    );
  });

  it('creates a workspace that does not exist yet', async () => {
    const { runner, calls } = scriptedRunner(
      {
        exitCode: 1,
        stderr:
          '\nWorkspace "staging" doesn\'t exist.\n\nYou can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand.\n',
      },
      { stdout: 'Created and switched to workspace "staging"!\n' },
    );
    await cli(runner).selectWorkspace('staging');
    assert.deepEqual(
      calls.map((c) => c.args),
      [
        ['workspace', 'select', 'staging'],
        ['workspace', 'new', 'staging'],
      ],
    );
  });

  it('creates nothing for a reader (create: false): a missing workspace is workspace-not-found', async () => {
    const { runner, calls } = scriptedRunner({
      exitCode: 1,
      stderr: '\nWorkspace "staging" doesn\'t exist.\n\nYou can create this workspace with the "new" subcommand.\n',
    });
    await assert.rejects(
      cli(runner).selectWorkspace('staging', { create: false }),
      failure('workspace-not-found', /^Workspace `staging` does not exist in the stack's backend: check `workspace`/),
    );
    assert.deepEqual(
      calls.map((c) => c.args),
      [['workspace', 'select', 'staging']],
    );
  });

  it('fails on any other error without creating anything', async () => {
    const { runner, calls } = scriptedRunner({
      exitCode: 1,
      stderr: '\nError: Invalid workspace name\n\nThe workspace name "a/b" is not allowed.\n',
    });
    await assert.rejects(
      cli(runner).selectWorkspace('a/b'),
      failure('init-failed', /^terraform workspace select failed: Invalid workspace name/),
    );
    assert.equal(calls.length, 1);
  });
});

describe('validate', () => {
  it('returns the diagnostics of an invalid configuration (exit code 1)', async () => {
    const diagnostics = [{ severity: 'error', summary: 'Unsupported block type', detail: 'Did you mean "resource"?' }];
    const { runner, calls } = scriptedRunner({
      exitCode: 1,
      stdout: JSON.stringify({ format_version: '1.0', valid: false, error_count: 1, warning_count: 0, diagnostics }),
    });
    assert.deepEqual(await cli(runner).validate(), { valid: false, errorCount: 1, warningCount: 0, diagnostics });
    assert.deepEqual(calls[0]!.args, ['validate', '-json', '-no-color']);
    assert.equal(calls[0]!.options.echo, false);
  });

  it('fails with validate-failed when validate could not run', async () => {
    const { runner } = scriptedRunner({
      exitCode: 1,
      stderr: '\nError: Module not installed\n\nRun terraform init.\n',
    });
    await assert.rejects(
      cli(runner).validate(),
      failure('validate-failed', /^terraform validate failed: Module not installed/),
    );
  });
});

describe('plan', () => {
  it('builds the command line from every option', async () => {
    const { runner, calls } = scriptedRunner({ exitCode: 2 });
    const result = await cli(runner).plan({
      out: '/tmp/bundle/plan.tfplan',
      varFiles: ['env/prod.tfvars'],
      targets: ['module.db', 'aws_instance.web["a b"]'],
      replace: ['aws_instance.web[0]'],
      mode: 'destroy',
      lockTimeout: 90_000,
      parallelism: 4,
    });
    assert.deepEqual(calls[0]!.args, [
      'plan',
      '-input=false',
      '-no-color',
      '-detailed-exitcode',
      '-out=/tmp/bundle/plan.tfplan',
      '-destroy',
      '-lock-timeout=90000ms',
      '-parallelism=4',
      '-var-file=env/prod.tfvars',
      '-target=module.db',
      '-target=aws_instance.web["a b"]',
      '-replace=aws_instance.web[0]',
    ]);
    assert.deepEqual(result, { changes: true, exitCode: 2, stdout: '' });
  });

  it('passes variables in a private JSON file after the user files, never on the command line', async () => {
    const { runner, calls } = scriptedRunner({ exitCode: 0, stdout: 'No changes.' });
    const vars = { db_password: 'hunter2', replicas: 3, tags: { team: 'core' } };
    const result = await cli(runner).plan({
      out: 'p.tfplan',
      vars,
      varFiles: ['a.tfvars'],
      mode: 'refresh-only',
      lockTimeout: '2m',
    });
    const args = calls[0]!.args;
    assert.ok(!args.join(' ').includes('hunter2'));
    assert.ok(!args.some((a) => a.startsWith('-var=') || a === '-var'));
    const varFiles = args.filter((a) => a.startsWith('-var-file=')).map((a) => a.slice('-var-file='.length));
    assert.equal(varFiles[0], 'a.tfvars');
    const generated = varFiles[1]!;
    assert.equal(path.dirname(generated), temp);
    assert.match(generated, /\.tfvars\.json$/);
    assert.deepEqual(JSON.parse(calls[0]!.files[generated]!.content), vars);
    assert.equal(calls[0]!.files[generated]!.mode, 0o600);
    assert.ok(!existsSync(generated), 'the variables file outlived the plan');
    assert.ok(args.includes('-refresh-only') && args.includes('-lock-timeout=2m'));
    assert.deepEqual(result, { changes: false, exitCode: 0, stdout: 'No changes.' });
  });

  it('fails with plan-failed, the first error on the first line, and removes the variables file', async () => {
    const { runner, calls } = scriptedRunner({
      exitCode: 1,
      stderr:
        '\x1b[31m╷\x1b[0m\n\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1mReference to undeclared resource\x1b[0m\n\x1b[31m│\x1b[0m\n\x1b[31m│\x1b[0m   on main.tf line 14, in output "copied":\n\x1b[31m╵\x1b[0m\n',
    });
    await assert.rejects(
      cli(runner).plan({ out: 'p', vars: { a: '1' } }),
      failure(
        'plan-failed',
        /^terraform plan failed: Reference to undeclared resource\n\nError: Reference to undeclared resource\n\n {2}on main.tf line 14, in output "copied":$/,
      ),
    );
    assert.ok(Object.keys(calls[0]!.files).every((f) => !existsSync(f)));
  });

  it('fails with state-locked naming the holder of a held lock', async () => {
    const { runner } = scriptedRunner({ exitCode: 1, stderr: LOCKED });
    await assert.rejects(
      cli(runner).plan({ out: 'p' }),
      failure(
        'state-locked',
        /^terraform plan failed: The state on terraform\.tfstate is locked by deploy@build-7 since 2024-05-14T09:21:07\.482Z .*terraform force-unlock 9db590f1-b6fe-c5f2-2678-8804f089deba/,
      ),
    );
  });

  it('treats any exit code but 0 and 2 as a failure, with the end of stdout when stderr is empty', async () => {
    const { runner } = scriptedRunner({ exitCode: 137, stdout: 'aws_instance.web: Refreshing state... [id=i-1]\n' });
    await assert.rejects(
      cli(runner).plan({ out: 'p' }),
      failure('plan-failed', /^terraform plan failed: exit code 137\n\naws_instance\.web: Refreshing state/),
    );
  });
});

describe('show, apply, state, outputs, version', () => {
  it('showJson returns the JSON without the final newline, not echoed', async () => {
    const { runner, calls } = scriptedRunner({ stdout: '{"format_version":"1.2"}\n' });
    assert.equal(await cli(runner).showJson('/b/p.tfplan'), '{"format_version":"1.2"}');
    assert.deepEqual(calls[0]!.args, ['show', '-json', '-no-color', '/b/p.tfplan']);
    assert.equal(calls[0]!.options.echo, false);
  });

  it('showText returns the plan text', async () => {
    const { runner, calls } = scriptedRunner({ stdout: '\nTerraform will perform the following actions:\n' });
    assert.equal(await cli(runner).showText('p'), '\nTerraform will perform the following actions:\n');
    assert.deepEqual(calls[0]!.args, ['show', '-no-color', 'p']);
  });

  it('show failures have their own reason', async () => {
    const { runner } = scriptedRunner({
      exitCode: 1,
      stderr: '\nError: Failed to read the given file as a state or plan file\n',
    });
    await assert.rejects(cli(runner).showJson('p'), failure('show-failed'));
  });

  it('apply applies the saved plan with the lock timeout, and reports a held lock', async () => {
    const { runner, calls } = scriptedRunner({ stdout: 'Apply complete!' }, { exitCode: 1, stderr: LOCKED });
    assert.deepEqual(await cli(runner).apply({ planFile: 'p.tfplan', lockTimeout: '5m' }), {
      stdout: 'Apply complete!',
    });
    assert.deepEqual(calls[0]!.args, ['apply', '-input=false', '-no-color', '-lock-timeout=5m', 'p.tfplan']);
    await assert.rejects(cli(runner).apply({ planFile: 'p.tfplan' }), failure('state-locked', /deploy@build-7/));
  });

  it('apply failures are apply-failed', async () => {
    const { runner } = scriptedRunner({
      exitCode: 1,
      stderr: '\nError: creating EC2 Instance: UnauthorizedOperation\n',
    });
    await assert.rejects(cli(runner).apply({ planFile: 'p' }), failure('apply-failed', /UnauthorizedOperation/));
  });

  it('statePull and outputJson are not echoed: they carry secrets', async () => {
    const outputs = { password: { sensitive: true, type: 'string', value: 'hunter2' } };
    const { runner, calls } = scriptedRunner({ stdout: '{"version":4}\n' }, { stdout: JSON.stringify(outputs) });
    const terraform = cli(runner);
    assert.equal(await terraform.statePull(), '{"version":4}\n');
    assert.deepEqual(await terraform.outputJson(), outputs);
    assert.deepEqual(
      calls.map((c) => [c.args, c.options.echo]),
      [
        [['state', 'pull'], false],
        [['output', '-json', '-no-color'], false],
      ],
    );
  });

  it('version reads -json, and the text of a Terraform too old for it', async () => {
    const { runner } = scriptedRunner(
      {
        stdout:
          '{"terraform_version":"1.8.8","platform":"linux_amd64","provider_selections":{"registry.opentofu.org/hashicorp/null":"3.2.2"}}',
      },
      { stdout: 'Terraform v0.12.31\n' },
    );
    const terraform = cli(runner);
    assert.deepEqual(await terraform.version(), {
      version: '1.8.8',
      platform: 'linux_amd64',
      providerSelections: { 'registry.opentofu.org/hashicorp/null': '3.2.2' },
    });
    assert.deepEqual(await terraform.version(), { version: '0.12.31', providerSelections: {} });
  });

  it('names the tool from the binary path', () => {
    const tofu = createTerraformCli({ binary: '/opt/hostedtoolcache/tofu/1.8.8/x64/tofu', workingDirectory: '.' });
    assert.equal(tofu.tool, 'tofu');
  });
});

describe('goDuration', () => {
  it('passes Go durations through and turns milliseconds into one', () => {
    assert.equal(goDuration('1m30s'), '1m30s');
    assert.equal(goDuration(1500.2), '1501ms');
    assert.equal(goDuration(0), '0ms');
  });
});
