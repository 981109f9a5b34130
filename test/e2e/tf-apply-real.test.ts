import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookPayload } from '../harness/webhooks.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

// tf-plan then tf-apply with a real `terraform` or `tofu` from PATH, on
// builtin `terraform_data` resources and the local backend in the checkout.

const STACK = `
variable "size" {
  type = string
}
variable "admin_password" {
  type      = string
  sensitive = true
}
variable "db_password" {
  type = string
}
resource "terraform_data" "server" {
  input = var.size
}
output "size" {
  value = terraform_data.server.output
}
output "admin_password" {
  value     = var.admin_password
  sensitive = true
}
# Not marked sensitive, and yet a secret by its name: masked like tf-plan masks it.
output "db_password" {
  value = var.db_password
}
`;

describe('tf-apply with a real binary', { skip: skipWithoutRealTerraform }, () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world?.close());

  it('applies the reviewed plan, backs up the state before a second apply, and keeps secrets out', async () => {
    const { tool, version } = REAL_TERRAFORM!;
    const workspace = await world.checkout('stack', 'basic_list');
    await writeFile(path.join(workspace, 'stack', 'main.tf'), STACK);
    const push = webhookPayload('push');
    const job = world.artifacts.newJob();

    /** One push (commit `sha`) planned and applied in one run. */
    async function planAndApply(size: string, sha: string) {
      Object.assign(push, { after: sha });
      const common = {
        workspace,
        double: false as const,
        event: { name: 'push', payload: push },
        env: world.artifacts.env(job),
      };
      // Every value of `variables` is a secret already; a variable file's are not, so the size shows in
      // outputs-json — and db_password only the output's name marks as a secret.
      await writeFile(
        path.join(workspace, 'stack', 'size.tfvars'),
        `size = "${size}"\ndb_password = "correct-horse-db-secret"\n`,
      );
      const variables = 'admin_password: hunter2-but-longer';
      const plan = await world.run('tf-plan', {
        ...common,
        inputs: { tool, version, 'working-directory': 'stack', variables, 'var-files': 'size.tfvars' },
      });
      await plan.cleanup();
      assert.equal(plan.main.exitCode, 0, plan.main.log);
      // The plan job's plan-digest output, as `needs.plan.outputs.plan-digest` passes it.
      const apply = await world.run('tf-apply', {
        ...common,
        inputs: {
          tool,
          'working-directory': 'stack',
          variables,
          'var-files': 'size.tfvars',
          'plan-digest': plan.main.outputs['plan-digest']!,
        },
      });
      await apply.cleanup();
      assert.equal(apply.main.exitCode, 0, apply.main.log);
      assert.ok(!apply.visibleText().includes('hunter2-but-longer'));
      expect(apply.visibleText()).not.toContain('correct-horse-db-secret');
      return apply;
    }

    const first = await planAndApply('large', '1'.repeat(40));
    assert.equal(first.main.outputs.applied, 'true');
    assert.equal(first.main.outputs['state-backup-artifact'] ?? '', '', 'no state before the first apply');
    const outputs = JSON.parse(first.main.outputs['outputs-json']!) as Record<string, { value: unknown }>;
    expect(outputs.size).toEqual({ sensitive: false, type: 'string', value: 'large' });
    expect(outputs).not.toHaveProperty('admin_password');
    // One rule with tf-plan: an output named like a secret never reaches outputs-json in clear.
    expect(first.main.outputs['outputs-json']).not.toContain('correct-horse-db-secret');
    expect(first.main.masks).toContain('correct-horse-db-secret');
    // What tf-apply verified from the plan file itself, with a real binary.
    expect(first.main.summary).toMatch(/Plan file \| read from the saved plan itself: workspace `default` · version /);
    expect(first.main.summary).toMatch(/Same configuration \| the plan's configuration snapshot equals the checkout/);
    expect(first.main.summary).toMatch(/Plan file digest \| `terraform show -json` of the plan file applied/);
    const state = JSON.parse(await readFile(path.join(workspace, 'stack', 'terraform.tfstate'), 'utf8')) as {
      resources: { type: string }[];
    };
    assert.deepEqual(
      state.resources.map((r) => r.type),
      ['terraform_data'],
    );

    const second = await planAndApply('huge', '2'.repeat(40));
    assert.match(second.main.outputs['state-backup-artifact'] ?? '', /^tfstate-stack-/);
    assert.match(second.main.summary, /Apply complete! Resources: 0 added, 1 changed, 0 destroyed\./);

    // The same reviewed plan applied again: its own apply changed the state since, and Terraform refuses it.
    const again = await world.run('tf-apply', {
      workspace,
      double: false,
      event: { name: 'push', payload: push },
      env: world.artifacts.env(job),
      inputs: { tool, 'working-directory': 'stack', 'plan-digest': second.main.outputs['plan-digest']! },
    });
    await again.cleanup();
    expect(again.main.outputs['failure-reason'], again.main.log).toBe('plan-stale');
    expect(again.main.log).toMatch(/The state changed since the plan was made \(terraform: "Saved plan is stale"\)/);
    expect(again.main.summary).toMatch(/Refused: nothing was applied\*\* \(`plan-stale`\)/);
  });
});
