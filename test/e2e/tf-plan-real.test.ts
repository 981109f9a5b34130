import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

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
});
