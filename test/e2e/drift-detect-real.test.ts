import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { readIssueMarker } from '@iac-actions/shared/github/drift-issue.ts';
import { startHttpApp } from '../services/http-app.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';
import { runText, secretFormsIn } from './terraform-secrets.ts';

// drift-detect with a real `terraform` or `tofu` from PATH, on stacks of
// builtin `terraform_data` resources (no provider to download). A refresh of
// terraform_data finds nothing outside Terraform, so the drift a real binary
// can show is configuration changed after an apply: `mode: full`. No binary
// can be installed on the project's own machines, so this tier runs wherever
// one is on PATH (see real-terraform.ts).

const run = promisify(execFile);
const binary = REAL_TERRAFORM;
const skip = skipWithoutRealTerraform;

const stack = (size: string) => `
variable "size" {
  type    = string
  default = "${size}"
}
variable "admin_password" {
  type      = string
  sensitive = true
  default   = "unset"
}
resource "terraform_data" "server" {
  input = var.size
}
resource "terraform_data" "password" {
  input = var.admin_password
}
`;

describe('drift-detect with a real binary', { skip }, () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world?.close());

  it('finds configuration changed after an apply, opens its issue, and closes it when clean', async () => {
    const checkout = await mkdtemp(path.join(world.dir, 'real-'));
    // Applied with the password drift-detect passes: only `size` differs afterwards.
    const env = {
      ...process.env,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      TF_VAR_admin_password: 'hunter2-but-longer',
    };
    for (const name of ['app', 'db']) {
      const dir = path.join(checkout, 'stacks', name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'main.tf'), stack('small'));
      await run(binary!.tool, ['init', '-input=false', '-no-color'], { cwd: dir, env });
      await run(binary!.tool, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env });
    }
    await mkdir(path.join(checkout, 'stacks', 'broken'), { recursive: true });
    await writeFile(
      path.join(checkout, 'stacks', 'broken', 'main.tf'),
      'resource "terraform_data" "x" {\n  colour = 1\n}\n',
    );
    // The configuration moves on, the infrastructure does not.
    await writeFile(path.join(checkout, 'stacks', 'app', 'main.tf'), stack('large'));

    const repo = 'octo-org/infra-real-drift';
    world.github.addRepository(repo);
    const detect = async (mode: string, runId: string, dirs = 'stacks/*') => {
      const result = await world.run('drift-detect', {
        workspace: checkout,
        double: false,
        inputs: {
          tool: binary!.tool,
          version: binary!.version,
          'working-directories': dirs,
          mode,
          variables: 'admin_password: hunter2-but-longer',
        },
        env: { GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId },
      });
      await result.cleanup();
      return result;
    };

    const full = await detect('full', '7001');
    assert.equal(full.main.exitCode, 1, full.main.log);
    assert.equal(full.main.outputs['failure-reason'], 'stack-failed');
    const drifted = JSON.parse(full.main.outputs['drifted-stacks'] ?? '[]') as {
      workingDirectory: string;
      counts: Record<string, number>;
    }[];
    assert.deepEqual(
      drifted.map((d) => [d.workingDirectory, d.counts]),
      [['stacks/app', { drifted: 0, add: 0, change: 1, destroy: 0 }]],
    );
    const errored = JSON.parse(full.main.outputs['errored-stacks'] ?? '[]') as Record<string, string>[];
    assert.deepEqual(
      errored.map((e) => [e.workingDirectory, e.reason]),
      [['stacks/broken', 'plan-failed']],
    );
    const issues = world.github.issues(repo).filter((i) => readIssueMarker(i.body ?? ''));
    assert.deepEqual(
      issues.map((i) => i.title),
      ['Drift in `stacks/app` (workspace `default`)'],
    );
    assert.match(
      issues[0]?.body ?? '',
      /\*\*Configuration not applied\*\* — Plan: 0 to add, 1 to change, 0 to destroy\./,
    );
    assert.match(issues[0]?.body ?? '', /`terraform_data\.server` — update in place/);
    assert.ok(!full.visibleText().includes('hunter2-but-longer'));
    assert.ok(!(issues[0]?.body ?? '').includes('hunter2-but-longer'));

    // refresh-only: terraform_data has nothing changed outside Terraform, so the issue closes.
    const refreshOnly = await detect('refresh-only', '7002', 'stacks/*\n!stacks/broken');
    assert.equal(refreshOnly.main.exitCode, 0, refreshOnly.main.log);
    assert.equal(refreshOnly.main.outputs.drifted, 'false');
    assert.equal(world.github.issue(repo, issues[0]!.number)?.state, 'closed');
  });

  it('masks a secret in every encoding Terraform gives it, in the issue, webhook, summary and log', async () => {
    const secret = 'Drift P@ss/w0rd!+"q"';
    const checkout = await mkdtemp(path.join(world.dir, 'real-encoded-'));
    const dir = path.join(checkout, 'stacks', 'db');
    await mkdir(dir, { recursive: true });
    const config = `
variable "db_password" {
  type = string
}
resource "terraform_data" "url" {
  input = "postgres://app:\${urlencode(var.db_password)}@db.internal/app"
}
resource "terraform_data" "basic" {
  input = base64encode("user:\${var.db_password}")
}
`;
    await writeFile(path.join(dir, 'main.tf'), config);
    const env = {
      ...process.env,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      TF_VAR_db_password: 'applied-before',
    };
    await run(binary!.tool, ['init', '-input=false', '-no-color'], { cwd: dir, env });
    await run(binary!.tool, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env });

    const hook = await startHttpApp({ '/hook': (_req, res) => void res.writeHead(200).end('ok') });
    try {
      for (const source of ['variables', 'environment'] as const) {
        const repo = `octo-org/infra-real-encoded-${source}`;
        world.github.addRepository(repo);
        const result = await world.run('drift-detect', {
          workspace: checkout,
          double: false,
          inputs: {
            tool: binary!.tool,
            version: binary!.version,
            'working-directories': 'stacks/*',
            mode: 'full',
            'notify-webhook': `${hook.url}/hook`,
            ...(source === 'variables' ? { variables: `db_password: ${JSON.stringify(secret)}` } : {}),
          },
          env: { GITHUB_REPOSITORY: repo, ...(source === 'environment' ? { TF_VAR_db_password: secret } : {}) },
        });
        await result.cleanup();
        expect(result.main.exitCode, result.main.log).toBe(0);
        const issue = world.github.issues(repo).find((i) => readIssueMarker(i.body ?? ''));
        expect(issue?.body ?? '', source).toMatch(/terraform_data\.basic/);
        expect(issue?.body ?? '', source).toMatch(/postgres:\/\/app:\(sensitive value\)@db\.internal\/app/);
        for (const [channel, text] of [
          ['issue', issue?.body ?? ''],
          ['webhook', hook.requests.map((r) => r.body).join('\n')],
          ['log, summary, outputs', runText(result)],
        ] as const) {
          expect(secretFormsIn(text, secret), `${source}: ${channel}`).toEqual([]);
        }
      }
    } finally {
      await hook.close();
    }
  });
});
