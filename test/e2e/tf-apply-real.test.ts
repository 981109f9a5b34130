import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
      const variables = `size: ${size}\nadmin_password: hunter2-but-longer`;
      const plan = await world.run('tf-plan', {
        ...common,
        inputs: { tool, version, 'working-directory': 'stack', variables },
      });
      await plan.cleanup();
      assert.equal(plan.main.exitCode, 0, plan.main.log);
      const apply = await world.run('tf-apply', {
        ...common,
        inputs: { tool, 'working-directory': 'stack', variables },
      });
      await apply.cleanup();
      assert.equal(apply.main.exitCode, 0, apply.main.log);
      assert.ok(!apply.visibleText().includes('hunter2-but-longer'));
      return apply;
    }

    const first = await planAndApply('large', '1'.repeat(40));
    assert.equal(first.main.outputs.applied, 'true');
    assert.equal(first.main.outputs['state-backup-artifact'] ?? '', '', 'no state before the first apply');
    assert.deepEqual(JSON.parse(first.main.outputs['outputs-json']!), {
      size: { sensitive: false, type: 'string', value: 'large' },
    });
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
  });
});
