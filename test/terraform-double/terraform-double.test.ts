import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  EQUIVALENCE_FIXTURES,
  installTerraformDouble,
  readDoubleCalls,
  setDirectoryKnobs,
  type TerraformDoubleOptions,
} from './index.ts';

// The double's own fidelity: the texts and exit codes that the CLI runner's
// tests do not reach, checked against what Terraform and OpenTofu print.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'terraform-double-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let dirs = 0;
async function workdir(options: TerraformDoubleOptions = {}) {
  const root = path.join(scratch, `w${++dirs}`);
  const cwd = path.join(root, 'stack');
  await mkdir(cwd, { recursive: true });
  const doubleEnv = await installTerraformDouble(path.join(root, 'bin'), options);
  const run = (tool: 'terraform' | 'tofu', args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve) => {
      // The outer environment must not decide the outcome (a CI runner may set these).
      const clean = { TF_IN_AUTOMATION: '', TF_WORKSPACE: '' };
      execFile(
        tool,
        args,
        { cwd, env: { ...process.env, ...clean, ...doubleEnv, ...env } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
    });
  return { cwd, calls: () => readDoubleCalls(doubleEnv), run };
}

describe('terraform double', () => {
  it('prints the version as each tool does', async () => {
    const { run } = await workdir({ version: '1.9.8' });
    assert.deepEqual(await run('terraform', ['version']), {
      code: 0,
      stdout: `Terraform v1.9.8\non ${platform()}\n`,
      stderr: '',
    });
    assert.equal((await run('tofu', ['-version'])).stdout, `OpenTofu v1.9.8\non ${platform()}\n`);
    assert.deepEqual(JSON.parse((await run('terraform', ['version', '-json'])).stdout), {
      terraform_version: '1.9.8',
      platform: platform(),
      provider_selections: {},
      terraform_outdated: false,
    });
  });

  it("keeps workspaces where Terraform's local backend does, with its messages", async () => {
    const { cwd, run } = await workdir();
    assert.deepEqual(await run('terraform', ['workspace', 'select', 'dev']), {
      code: 1,
      stdout: '',
      stderr:
        '\nWorkspace "dev" doesn\'t exist.\n\nYou can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand.\n',
    });
    assert.equal(
      (await run('tofu', ['workspace', 'select', '-no-color', 'dev'])).stderr,
      '\nError: Workspace "dev" doesn\'t exist\n\nYou can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand.\n',
    );
    assert.equal((await run('terraform', ['workspace', 'new', 'dev'])).code, 0);
    assert.equal((await run('terraform', ['workspace', 'new', 'dev'])).stderr, 'Workspace "dev" already exists\n');
    assert.equal((await run('terraform', ['workspace', 'list'])).stdout, '  default\n* dev\n\n');
    assert.equal((await run('terraform', ['workspace', 'show'])).stdout, 'dev\n');
    assert.equal(await readFile(path.join(cwd, '.terraform', 'environment'), 'utf8'), 'dev');
    assert.equal((await run('terraform', ['workspace', 'select', 'a/b'])).code, 1);
    assert.deepEqual(await run('terraform', ['workspace', 'show'], { TF_WORKSPACE: 'ops' }), {
      code: 0,
      stdout: 'ops\n',
      stderr: '',
    });
  });

  it('prints the next steps with the plan file when not in automation, and exits 0 without -detailed-exitcode', async () => {
    const { run } = await workdir({ scenario: 'basic_list_update' });
    await run('tofu', ['init']);
    const plan = await run('tofu', ['plan', '-out=my.tfplan']);
    assert.equal(plan.code, 0);
    assert.ok(
      plan.stdout.endsWith(
        'Saved the plan to: my.tfplan\n\nTo perform exactly these actions, run the following command to apply:\n    tofu apply "my.tfplan"\n',
      ),
    );
  });

  it('prints the exact lock error, and ignores the lock with -lock=false', async () => {
    const { run } = await workdir({ scenario: 'basic_list_update', lock: 'held' });
    await run('terraform', ['init']);
    assert.deepEqual(await run('terraform', ['plan', '-no-color']), {
      code: 1,
      stdout: '',
      stderr: `
Error: Error acquiring the state lock

Error message: resource temporarily unavailable
Lock Info:
  ID:        9db590f1-b6fe-c5f2-2678-8804f089deba
  Path:      terraform.tfstate
  Operation: OperationTypeApply
  Who:       runner@fv-az1024-33
  Version:   1.9.8
  Created:   2024-05-14 09:21:07.482311 +0000 UTC
  Info:      


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the "-lock=false"
flag, but this is not recommended.
`,
    });
    assert.equal((await run('terraform', ['plan', '-lock=false', '-detailed-exitcode'])).code, 2);
  });

  it('rejects flags Terraform does not know and variable files that do not exist', async () => {
    const { run } = await workdir({ scenario: 'basic_list_update' });
    await run('terraform', ['init']);
    const unknown = await run('terraform', ['plan', '-no-color', '-vars=x']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^\nError: Failed to parse command-line flags\n\nflag provided but not defined: -vars\n/,
    );
    const missing = await run('terraform', ['plan', '-no-color', '-var-file', 'nope.tfvars']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /Error: Failed to read variables file\n\nGiven variables file nope\.tfvars does not exist\./,
    );
  });

  it('logs every call, failed ones included', async () => {
    const { run, calls: readCalls } = await workdir({ scenario: 'basic_list_update' });
    await run('terraform', ['plan']);
    await run('tofu', ['version'], { TF_VAR_token: 'abc', TF_LOG: 'INFO' });
    const calls = await readCalls();
    assert.deepEqual(
      calls.map((c) => [c.tool, c.argv]),
      [
        ['terraform', ['plan']],
        ['tofu', ['version']],
      ],
    );
    assert.equal(calls[1]!.env.TF_LOG, 'INFO');
    assert.deepEqual(calls[1]!.tfVarNames, ['TF_VAR_token']);
    assert.ok(!JSON.stringify(calls).includes('abc'), 'a TF_VAR_ value reached the call log');
  });

  it('exits 2 for every equivalence scenario with changes, and 0 for drift outside a refresh-only plan', async () => {
    const scenarios = readdirSync(EQUIVALENCE_FIXTURES).sort();
    const codes = await Promise.all(
      scenarios.map(async (scenario) => {
        const { run } = await workdir({ scenario });
        await run('terraform', ['init']);
        return [scenario, (await run('terraform', ['plan', '-detailed-exitcode', '-out=p'])).code] as const;
      }),
    );
    for (const [scenario, code] of codes) assert.equal(code, scenario === 'drift_refresh_only' ? 0 : 2, scenario);
  });

  it("lets a directory's .double-env choose its own scenario and failure over the process environment", async () => {
    const { cwd, run } = await workdir({ scenario: 'basic_list_update', planError: true });
    await setDirectoryKnobs(cwd, { scenario: 'drift_refresh_only' });
    await run('terraform', ['init']);
    assert.equal((await run('terraform', ['plan', '-refresh-only', '-detailed-exitcode', '-out=p'])).code, 2);
    assert.equal((await run('terraform', ['plan', '-detailed-exitcode', '-out=p'])).code, 0);
    await setDirectoryKnobs(cwd, { scenario: 'no_changes', planError: true });
    assert.match((await run('terraform', ['plan', '-no-color'])).stderr, /^\nError: /);
  });
});

function platform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'] ?? process.arch;
  return `${process.platform}_${arch}`;
}
