import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The real-binary tier: a real `terraform` or `tofu` from PATH. None can be
// installed from the registries the project's machines reach, so the tier runs
// wherever one is on PATH and skips elsewhere — except in CI (CI=true, where
// the machine image has one) or with REQUIRE_REAL_TERRAFORM=1, where its
// absence fails the run.

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
if (!REAL_TERRAFORM && (process.env.REQUIRE_REAL_TERRAFORM === '1' || process.env.CI === 'true')) {
  throw new Error(
    'no terraform or tofu on PATH: the real-binary tier must run in CI (CI=true or REQUIRE_REAL_TERRAFORM=1)',
  );
}

/** `describe`'s skip option for the tier. */
export const skipWithoutRealTerraform = !REAL_TERRAFORM;
