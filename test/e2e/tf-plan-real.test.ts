import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPlanBundle } from '@iac-actions/shared/github/plan-artifact.ts';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { useEnv } from '../process-env.ts';
import { closedPortUrl, startHttpApp } from '../services/http-app.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';
import { filesHolding, runText, secretFormsIn } from './terraform-secrets.ts';

// The same end-to-end path with a real `terraform` or `tofu` from PATH, on a
// stack of builtin `terraform_data` resources (no provider to download).
const binary = REAL_TERRAFORM;
const skip = skipWithoutRealTerraform;

const STACK = `
resource "terraform_data" "server" {
  input = var.size
}
resource "terraform_data" "password" {
  input = var.admin_password
}
variable "size" {
  type = string
}
variable "admin_password" {
  type      = string
  sensitive = true
}
output "size" {
  value = terraform_data.server.output
}
`;

describe('tf-plan with a real binary', { skip }, () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world?.close());

  it('plans terraform_data resources, comments, and keeps secrets out', async () => {
    const workspace = await world.checkout('stack', 'basic_list');
    await mkdir(path.join(workspace, 'stack'), { recursive: true });
    await writeFile(path.join(workspace, 'stack', 'main.tf'), STACK);
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      double: false,
      inputs: {
        tool: binary!.tool,
        version: binary!.version,
        'working-directory': 'stack',
        variables: 'size: large\nadmin_password: hunter2-but-longer',
      },
    });
    await run.cleanup();
    assert.equal(run.main.exitCode, 0, run.main.log);
    assert.deepEqual([run.main.outputs.changes, run.main.outputs['to-add']], ['true', '2']);
    const comment = world.github.comments(REPOSITORY, pr.number).find((c) => readPlanMarker(c.body ?? ''));
    assert.match(comment?.body ?? '', /Plan: 2 to add, 0 to change, 0 to destroy/);
    assert.ok(!run.visibleText().includes('hunter2-but-longer'));
    assert.ok(!(comment?.body ?? '').includes('hunter2-but-longer'));
  });

  it('fails on an invalid configuration with annotations', async () => {
    const workspace = await world.checkout('broken', 'basic_list');
    await writeFile(
      path.join(workspace, 'broken', 'main.tf'),
      'resource "terraform_data" "x" {\n  colour = "red"\n}\n',
    );
    const run = await world.run('tf-plan', {
      workspace,
      double: false,
      inputs: { tool: binary!.tool, version: binary!.version, 'working-directory': 'broken' },
    });
    await run.cleanup();
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'validate-failed');
    assert.ok(run.main.annotations.some((a) => a.level === 'error' && a.properties.file === 'broken/main.tf'));
  });

  // A value Terraform does not know is secret, shown through functions that encode it.
  const ENCODING_STACK = `
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
  const SECRET = 'P@ss w0rd/Zeta!+"quoted"';

  it('masks a secret in every encoding, in the comment, summary, log and plan.txt, from variables or TF_VAR_*', async (t) => {
    for (const source of ['variables', 'environment'] as const) {
      const workspace = await world.checkout('stack', 'basic_list');
      await writeFile(path.join(workspace, 'stack', 'main.tf'), ENCODING_STACK);
      const pr = world.pullRequest();
      const run = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        double: false,
        inputs: {
          tool: binary!.tool,
          version: binary!.version,
          'working-directory': 'stack',
          ...(source === 'variables' ? { variables: `db_password: ${JSON.stringify(SECRET)}` } : {}),
        },
        env: source === 'environment' ? { TF_VAR_db_password: SECRET } : {},
      });
      await run.cleanup();
      expect(run.main.exitCode, run.main.log).toBe(0);
      const comment = world.github.comments(REPOSITORY, pr.number).find((c) => readPlanMarker(c.body ?? ''))?.body;
      expect(comment, source).toMatch(/terraform_data\.basic/);
      useEnv(t, { ...world.artifacts.env(), GITHUB_SERVER_URL: 'https://github.com' });
      const bundle = await downloadPlanBundle({
        name: run.main.outputs['artifact-name']!,
        destination: await mkdtemp(path.join(world.dir, 'download-')),
      });
      const planText = await readFile(path.join(bundle, 'plan.txt'), 'utf8');
      expect(planText, source).toMatch(/terraform_data\.url will be created/);
      // The encoded values are there, their secret part masked.
      expect(planText, source).toMatch(/input\s+= "[A-Za-z0-9+/]*\(sensitive value\)/);
      expect(planText, source).toMatch(/input\s+= "postgres:\/\/app:\(sensitive value\)@db\.internal\/app"/);
      for (const [channel, text] of [
        ['comment', comment ?? ''],
        ['log, summary and outputs', runText(run)],
        ['plan.txt', planText],
      ] as const) {
        expect(secretFormsIn(text, SECRET), `${source}: ${channel}`).toEqual([]);
      }
    }
  });

  it('masks a secret a failing function quotes (tonumber), in the comment and summary', async () => {
    const workspace = await world.checkout('stack', 'basic_list');
    await writeFile(
      path.join(workspace, 'stack', 'main.tf'),
      `${ENCODING_STACK}\nresource "terraform_data" "port" {\n  input = tonumber(var.db_password)\n}\n`,
    );
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      double: false,
      inputs: { tool: binary!.tool, version: binary!.version, 'working-directory': 'stack' },
      env: { TF_VAR_db_password: SECRET },
    });
    await run.cleanup();
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('plan-failed');
    const comment = world.github.comments(REPOSITORY, pr.number)[0]?.body ?? '';
    expect(comment).toMatch(/Invalid function argument/);
    expect(run.main.summary).toMatch(/Invalid function argument/);
    expect(secretFormsIn(comment, SECRET)).toEqual([]);
    expect(secretFormsIn(runText(run), SECRET)).toEqual([]);
  });

  it('masks a backend setting an init error quotes', async () => {
    const workspace = await world.checkout('stack', 'basic_list');
    await writeFile(path.join(workspace, 'stack', 'main.tf'), 'terraform {\n  backend "http" {}\n}\n');
    const address = `${await closedPortUrl()}/state?token=Backend-Token-1234567`;
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      double: false,
      inputs: {
        tool: binary!.tool,
        version: binary!.version,
        'working-directory': 'stack',
        'backend-config': `address=${address}`,
      },
    });
    await run.cleanup();
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('init-failed');
    const comment = world.github.comments(REPOSITORY, pr.number)[0]?.body ?? '';
    expect(comment).toMatch(/#### ❌ init failed/);
    for (const text of [comment, runText(run)]) {
      expect(secretFormsIn(text, 'Backend-Token-1234567')).toEqual([]);
      expect(secretFormsIn(text, address)).toEqual([]);
    }
  });

  it('leaves no backend credential on disk after post: the data directory is in RUNNER_TEMP and removed', async () => {
    const state = await startHttpApp({ '/state': (_req, res) => void res.writeHead(404).end() });
    try {
      const workspace = await world.checkout('stack', 'basic_list');
      await writeFile(
        path.join(workspace, 'stack', 'main.tf'),
        'terraform {\n  backend "http" {}\n}\nresource "terraform_data" "x" {\n  input = "y"\n}\n',
      );
      const secret = 'Backend-Basic-Pa55word';
      const run = await world.run('tf-plan', {
        workspace,
        double: false,
        inputs: {
          tool: binary!.tool,
          version: binary!.version,
          'working-directory': 'stack',
          'backend-config': `address=${state.url}/state\nusername=ci-state\npassword=${secret}`,
        },
      });
      try {
        expect(run.main.exitCode, run.main.log).toBe(0);
        expect(
          state.requests.some(
            (r) => r.headers.authorization === `Basic ${Buffer.from(`ci-state:${secret}`).toString('base64')}`,
          ),
          'the backend was used with the credentials',
        ).toBe(true);
        expect(await filesHolding([workspace, run.runnerTemp, run.home], secret)).toEqual([]);
      } finally {
        await run.cleanup();
      }
    } finally {
      await state.close();
    }
  });
});
