import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookPayload } from '../harness/webhooks.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

// tf-outputs with a real `terraform` or `tofu` from PATH, on a stack of
// builtin `terraform_data` resources whose state is in a `local` backend
// configured through `backend-config`: before the first apply, after it (the
// same outputs-json as tf-apply's), and after an apply that changed nothing.

const STACK = `
terraform {
  backend "local" {}
}
variable "size" {
  type = string
}
variable "admin_password" {
  type      = string
  sensitive = true
  default   = "admin-secret-from-default"
}
resource "terraform_data" "server" {
  input = var.size
}
output "size" {
  value = terraform_data.server.output
}
output "hosts" {
  value = ["10.0.0.1", "10.0.0.2"]
}
output "admin_password" {
  value     = var.admin_password
  sensitive = true
}
output "db_password" {
  value = "db-secret-by-its-name"
}
`;

describe('tf-outputs with a real binary', { skip: skipWithoutRealTerraform }, () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world?.close());

  it('reads nothing before the first apply, then what tf-apply published, also after an apply with no changes', async () => {
    const { tool, version } = REAL_TERRAFORM!;
    const workspace = await world.checkout('stack', 'basic_list');
    await writeFile(path.join(workspace, 'stack', 'main.tf'), STACK);
    await writeFile(path.join(workspace, 'stack', 'size.tfvars'), 'size = "large"\n');
    const stack = { tool, version, 'working-directory': 'stack', 'backend-config': 'path=state/stack.tfstate' };
    const job = world.artifacts.newJob();
    const push = webhookPayload('push');

    async function step(action: string, inputs: Record<string, string>) {
      const run = await world.run(action, {
        workspace,
        double: false,
        event: { name: 'push', payload: push },
        env: world.artifacts.env(job),
        inputs: { ...stack, ...inputs },
      });
      await run.cleanup();
      for (const secret of ['admin-secret-from-default', 'db-secret-by-its-name']) {
        expect(run.visibleText()).not.toContain(secret);
      }
      return run;
    }
    async function planAndApply(sha: string) {
      Object.assign(push, { after: sha });
      const plan = await step('tf-plan', { 'var-files': 'size.tfvars' });
      expect(plan.main.exitCode, plan.main.log).toBe(0);
      const apply = await step('tf-apply', {
        'var-files': 'size.tfvars',
        'plan-digest': plan.main.outputs['plan-digest']!,
      });
      expect(apply.main.exitCode, apply.main.log).toBe(0);
      return { plan, apply };
    }

    const before = await step('tf-outputs', {});
    expect(before.main.exitCode, before.main.log).toBe(0);
    expect(before.main.outputs['outputs-json']).toBe('{}');
    expect(before.main.outputs.outputs).toBe('0');
    expect(before.main.annotations.map((a) => a.message)).toContainEqual(
      expect.stringMatching(/stack \(workspace default\) has no outputs: it declares none, or it was never applied/),
    );

    const first = await planAndApply('1'.repeat(40));
    const read = await step('tf-outputs', {});
    expect(read.main.exitCode, read.main.log).toBe(0);
    const outputs = JSON.parse(read.main.outputs['outputs-json']!) as Record<string, unknown>;
    expect(outputs).toEqual({
      size: { sensitive: false, type: 'string', value: 'large' },
      hosts: { sensitive: false, type: ['tuple', ['string', 'string']], value: ['10.0.0.1', '10.0.0.2'] },
    });
    // One rule with tf-apply: the same outputs-json.
    expect(outputs).toEqual(JSON.parse(first.apply.main.outputs['outputs-json']!));
    expect(read.main.outputs.outputs).toBe('4');
    expect(read.main.masks).toEqual(expect.arrayContaining(['admin-secret-from-default', 'db-secret-by-its-name']));
    expect(read.main.summary).toContain('| `hosts` | `tuple([string, string])` | ["10.0.0.1","10.0.0.2"] |');

    // Planned again with nothing to change: the apply still publishes the outputs.
    const again = await planAndApply('2'.repeat(40));
    expect(again.plan.main.outputs.changes).toBe('false');
    expect(again.apply.main.summary).toMatch(/Apply complete! Resources: 0 added, 0 changed, 0 destroyed\./);
    expect(JSON.parse(again.apply.main.outputs['outputs-json']!)).toEqual(outputs);

    // A workspace the backend does not hold is reported, not created.
    const missing = await step('tf-outputs', { workspace: 'staging' });
    expect(missing.main.outputs['failure-reason'], missing.main.log).toBe('workspace-not-found');
    expect(existsSync(path.join(workspace, 'stack', 'terraform.tfstate.d', 'staging'))).toBe(false);
  });
});
