import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The real-binary tier: a real `terraform` or `tofu` from PATH. None can be
// installed on the project's own machines, so the tier runs wherever one is
// on PATH; REQUIRE_REAL_TERRAFORM=1 makes its absence a failure.

export interface RealTerraform {
  tool: 'terraform' | 'tofu';
  version: string;
}

async function findRealTerraform(): Promise<RealTerraform | undefined> {
  for (const tool of ['tofu', 'terraform'] as const) {
    try {
      const { stdout } = await promisify(execFile)(tool, ['version', '-json']);
      return { tool, version: (JSON.parse(stdout) as { terraform_version: string }).terraform_version };
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

export const REAL_TERRAFORM = await findRealTerraform();
if (!REAL_TERRAFORM && process.env.REQUIRE_REAL_TERRAFORM === '1') {
  throw new Error('REQUIRE_REAL_TERRAFORM=1 but no terraform/tofu on PATH');
}

/** `describe`'s skip option for the tier. */
export const skipWithoutRealTerraform = REAL_TERRAFORM
  ? false
  : 'no terraform or tofu on PATH (set REQUIRE_REAL_TERRAFORM=1 to make this a failure)';
