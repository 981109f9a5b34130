import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syntheticPlan } from '../terraform/synthetic-plan.ts';
import { startArtifactServiceFake, type ArtifactServiceFake } from '../fakes/artifact-service.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake, type GitHubApiFake } from '../fakes/github-api.ts';
import { runAction, type ActionEvent, type ActionRun, type RunActionOptions } from '../harness/run-action.ts';
import { webhookPayload } from '../harness/webhooks.ts';
import {
  installTerraformDouble,
  scenarioDir,
  setDirectoryKnobs,
  type TerraformDoubleOptions,
} from '../terraform-double/index.ts';

// The world a Terraform action runs in during end-to-end tests: the GitHub API
// and artifact service fakes, a checkout with a stack, and the Terraform CLI
// double (or a real terraform/tofu, when REAL_TERRAFORM names one).

export const REPOSITORY = 'octo-org/infra';

export interface TerraformWorld {
  github: GitHubApiFake;
  artifacts: ArtifactServiceFake;
  dir: string;
  close(): Promise<void>;
  /** A checkout holding `stack` with the scenario's main.tf. */
  checkout(stack: string, scenario: string): Promise<string>;
  /**
   * A checkout holding several stacks, each answered by the double as its
   * options say (its own scenario, a failing plan: see setStackDouble).
   */
  checkoutStacks(stacks: Record<string, StackDouble>): Promise<string>;
  /** A pull request in the fake, and its real webhook payload. */
  pullRequest(options?: { fork?: boolean; headSha?: string }): { number: number; event: ActionEvent };
  run(
    action: string,
    /** `double: false` runs with the real binary on PATH. */
    options: RunActionOptions & { double?: TerraformDoubleOptions | false; workspace: string },
  ): Promise<ActionRun & { doubleEnv: Record<string, string> }>;
}

export async function startTerraformWorld(): Promise<TerraformWorld> {
  const github = await startGitHubApiFake({ repositories: [REPOSITORY] });
  const artifacts = await startArtifactServiceFake();
  const dir = await mkdtemp(path.join(tmpdir(), 'tf-world-'));
  let runs = 0;
  return {
    github,
    artifacts,
    dir,
    async close() {
      await Promise.all([github.close(), artifacts.close()]);
      await rm(dir, { recursive: true, force: true });
    },
    async checkout(stack, scenario) {
      const checkout = await mkdtemp(path.join(dir, 'checkout-'));
      await mkdir(path.join(checkout, stack), { recursive: true });
      await cp(path.join(scenarioDir(scenario), 'main.tf'), path.join(checkout, stack, 'main.tf')).catch(() =>
        writeFile(path.join(checkout, stack, 'main.tf'), 'terraform {}\n'),
      );
      return checkout;
    },
    async checkoutStacks(stacks) {
      const checkout = await mkdtemp(path.join(dir, 'checkout-'));
      for (const [stack, double] of Object.entries(stacks)) {
        await mkdir(path.join(checkout, stack), { recursive: true });
        await writeFile(path.join(checkout, stack, 'main.tf'), 'terraform {}\n');
        await setStackDouble(checkout, stack, double);
      }
      return checkout;
    },
    pullRequest({ fork = false, headSha = 'c0ffee0000000000000000000000000000000001' } = {}) {
      const pull = github.seedPullRequest(REPOSITORY, {
        title: 'Grow the fleet',
        head: 'grow-fleet',
        headSha,
        ...(fork ? { headRepository: 'outsider/infra' } : {}),
      });
      const payload = webhookPayload('pull_request', 'opened') as {
        number: number;
        pull_request: Record<string, unknown> & { head: Record<string, unknown>; base: Record<string, unknown> };
        repository: Record<string, unknown>;
      };
      payload.number = pull.number;
      Object.assign(payload.pull_request, { number: pull.number, head: pull.head, base: pull.base });
      payload.repository = pull.base.repo as unknown as Record<string, unknown>;
      return { number: pull.number, event: { name: 'pull_request', payload } };
    },
    async run(action, { double, ...options }) {
      const bin = path.join(dir, `bin-${++runs}`);
      const doubleEnv = double === false ? {} : await installTerraformDouble(bin, double);
      const run = await runAction(action, {
        token: FAKE_GITHUB_TOKEN,
        ...options,
        env: {
          ...doubleEnv,
          ...artifacts.env(),
          GITHUB_API_URL: github.url,
          GITHUB_REPOSITORY: REPOSITORY,
          ...options.env,
        },
      });
      return Object.assign(run, { doubleEnv });
    },
  };
}

/** How the double answers in one stack directory: its scenario, and knobs such as `planError`. */
export type StackDouble = Omit<TerraformDoubleOptions, 'version'> & { scenario: string };

/** Makes the double answer commands in `stack` of `checkout` as `double` says, from now on. */
export async function setStackDouble(checkout: string, stack: string, double: StackDouble): Promise<void> {
  await setDirectoryKnobs(path.join(checkout, stack), double);
}

/** A scenario directory for the double with a synthetic plan of `count` resources. */
export async function syntheticScenario(dir: string, count: number): Promise<string> {
  const plan = syntheticPlan(count, { seed: 7 });
  const scenario = path.join(dir, `synthetic-${count}`);
  await mkdir(scenario, { recursive: true });
  const lines: string[] = ['Terraform will perform the following actions:', ''];
  for (const r of plan.resource_changes ?? []) {
    const verb = r.change.actions.join(',');
    lines.push(
      `  # ${r.address} will be ${verb}`,
      `  + resource "${r.type}" "${r.name}" {`,
      `      + id = (known after apply)`,
      '    }',
      '',
    );
  }
  await writeFile(path.join(scenario, 'plan.json'), JSON.stringify(plan));
  await writeFile(path.join(scenario, 'plan'), lines.join('\n'));
  await writeFile(
    path.join(scenario, 'state.json'),
    JSON.stringify({ format_version: '1.0', values: { root_module: {} } }),
  );
  await writeFile(path.join(scenario, 'apply.json'), '[]');
  await writeFile(path.join(scenario, 'main.tf'), 'terraform {}\n');
  return scenario;
}
