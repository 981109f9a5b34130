// Records the example stack's plan as a scenario of the Terraform CLI double
// (test/terraform-double/README.md): where no terraform or tofu is installed,
// `npm run demo` renders this recording, so its PR comment still shows this
// stack. After changing examples/infra, with a real terraform on PATH:
//   node examples/record-plan.ts
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { REAL_TERRAFORM, type RealTerraform } from '../test/e2e/real-terraform.ts';
import { terraformCli } from './terraform-cli.ts';

const EXAMPLES = path.dirname(fileURLToPath(import.meta.url));
export const EXAMPLE_STACK = path.join(EXAMPLES, 'infra');
export const RECORDED_PLAN = path.join(EXAMPLES, 'recorded-plan');

/** Plans and applies a scratch copy of `stackDir`, and writes the scenario files into `outDir`. */
export async function recordPlan(binary: RealTerraform, outDir: string, stackDir = EXAMPLE_STACK): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'record-plan-'));
  try {
    await cp(stackDir, scratch, { recursive: true, filter: (source) => !/\.terraform|tfstate/.test(source) });
    const tf = terraformCli(binary.tool, scratch);
    await tf(['init', '-input=false', '-no-color']);
    // The double puts the plan file it is given in place of this name.
    const planText = await tf(['plan', '-input=false', '-no-color', '-out=equivalence_test_plan']);
    const plan = JSON.parse(await tf(['show', '-json', 'equivalence_test_plan'])) as unknown;
    const applyLog = (await tf(['apply', '-json', '-input=false', 'equivalence_test_plan']))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const { '@timestamp': _, ...message } = JSON.parse(line) as Record<string, unknown>;
        return message;
      });
    const state = JSON.parse(await tf(['show', '-json'])) as unknown;
    await mkdir(outDir, { recursive: true });
    // Formatted as the repository's `prettier --check` wants them.
    const writeJson = async (name: string, value: unknown) => {
      const file = path.join(outDir, name);
      const options = await resolveConfig(file);
      await writeFile(file, await format(JSON.stringify(value), { ...options, filepath: file }));
    };
    await Promise.all([
      writeFile(path.join(outDir, 'plan'), planText),
      writeJson('plan.json', plan),
      writeJson('apply.json', applyLog),
      writeJson('state.json', state),
    ]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  if (!REAL_TERRAFORM) {
    console.error('record-plan: no terraform or tofu on PATH');
    process.exit(1);
  }
  await recordPlan(REAL_TERRAFORM, RECORDED_PLAN);
  console.log(
    `recorded the plan of ${path.relative(process.cwd(), EXAMPLE_STACK)} with ${REAL_TERRAFORM.tool} ${REAL_TERRAFORM.version} into ${path.relative(process.cwd(), RECORDED_PLAN)}`,
  );
}
