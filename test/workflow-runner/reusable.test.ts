import { afterEach, describe, expect, test } from 'vitest';
import { createTestRepository, type TestRepository } from './test-repository.ts';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Reuse workflows": calling a reusable workflow with `uses:`, its inputs,
// secrets (by name and `inherit`) and outputs, local and remote references.

let world: WorkflowWorld | undefined;
let shared: TestRepository | undefined;
afterEach(async () => {
  await world?.close();
  await shared?.remove();
  world = undefined;
  shared = undefined;
});

const CALLED = `
on:
  workflow_call:
    inputs:
      stack: { type: string, required: true }
      parallelism: { type: number, default: 10 }
      dry-run: { type: boolean, default: false }
      region: { type: string, default: eu-west-1 }
    secrets:
      deploy-key: { required: true }
    outputs:
      summary:
        value: \${{ jobs.apply.outputs.summary }}
jobs:
  apply:
    name: Apply \${{ inputs.stack }}
    runs-on: ubuntu-latest
    outputs:
      summary: \${{ steps.apply.outputs.summary }}
    steps:
      - id: apply
        env:
          KEY: \${{ secrets.deploy-key }}
        run: |
          echo "stack=\${{ inputs.stack }} p=\${{ inputs.parallelism }} dry=\${{ inputs.dry-run }} region=\${{ inputs.region }}"
          echo "types=\${{ inputs.parallelism == 5 }},\${{ inputs.dry-run == true }} key=\${#KEY} caller-env=[\${CALLER_ENV:-}]"
          echo "workflow=\${{ github.workflow }} event=\${{ github.event_name }}"
          echo "summary=applied \${{ inputs.stack }}" >> "$GITHUB_OUTPUT"
`;

describe('calling a reusable workflow', () => {
  test('with inputs (typed, defaults), a secret by name, and its outputs back in needs', async () => {
    // "inputs ... type: boolean, number, or string"; "If a default parameter is not set, the default
    // value of the input is false for a boolean, 0 for a number, and "" for a string."
    // "on.workflow_call.outputs ... map ... to the outputs of the jobs of the called workflow".
    // "Environment variables set in the env context, defined in the caller workflow, are not
    // propagated to the called workflow"; "the github context is always associated with the caller workflow".
    world = await workflowWorld(
      {
        '.github/workflows/deploy.yml': CALLED,
        '.github/workflows/ci.yml': `
name: Pipeline
on: push
env:
  CALLER_ENV: not-for-callee
jobs:
  deploy:
    uses: ./.github/workflows/deploy.yml
    with:
      stack: prod
      parallelism: 5
      dry-run: true
    secrets:
      deploy-key: \${{ secrets.PROD_KEY }}
  report:
    needs: deploy
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.deploy.outputs.summary }} (\${{ needs.deploy.result }})"
`,
      },
      { secrets: { PROD_KEY: 'prod-key-value' } },
    );
    const report = await world.run('.github/workflows/ci.yml');
    expect(report.conclusion).toBe('success');
    const apply = report.job('deploy/apply');
    expect(apply.name).toBe('deploy / Apply prod');
    expect(apply.caller).toBe('deploy');
    expect(apply.workflow).toBe('.github/workflows/deploy.yml');
    expect(apply.steps[0]!.log).toBe(
      [
        'stack=prod p=5 dry=true region=eu-west-1',
        'types=true,true key=14 caller-env=[]',
        'workflow=Pipeline event=push',
      ].join('\n'),
    );
    expect(report.job('deploy').outputs).toEqual({ summary: 'applied prod' });
    expect(report.job('report').steps[0]!.log).toBe('applied prod (success)');
  });

  test('secrets: inherit passes every secret of the caller', async () => {
    // "jobs.<job_id>.secrets.inherit: Use the inherit keyword to pass all the calling workflow's secrets to the called workflow."
    world = await workflowWorld(
      {
        '.github/workflows/called.yml': `
on: workflow_call
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ secrets.ONE }} \${{ secrets.TWO }}" | wc -c
`,
        '.github/workflows/ci.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    secrets: inherit
  call-without:
    uses: ./.github/workflows/called.yml
`,
      },
      { secrets: { ONE: 'first-secret', TWO: 'second-secret' } },
    );
    const report = await world.run('.github/workflows/ci.yml');
    expect(report.job('call/show').steps[0]!.log).toBe('27');
    expect(report.job('call-without/show').steps[0]!.log).toBe('2');
  });

  test("a missing required input refuses the run at start, with GitHub's message", async () => {
    // "inputs.<input_id>.required: A boolean to indicate whether the input is required."
    world = await workflowWorld({
      '.github/workflows/deploy.yml': CALLED,
      '.github/workflows/ci.yml': `
on: push
jobs:
  deploy:
    uses: ./.github/workflows/deploy.yml
    secrets:
      deploy-key: x
`,
    });
    const report = await world.run('.github/workflows/ci.yml');
    expect(report.conclusion).toBe('startup_failure');
    expect(report.jobs).toEqual([]);
    expect(report.errors).toEqual([
      'The workflow is not valid. .github/workflows/ci.yml (Line: 5, Col: 11): Input stack is required, but not provided while calling.',
    ]);
  });

  test('an input of the wrong type fails the calling job', async () => {
    // Inputs are typed: a string where a boolean is declared is refused.
    world = await workflowWorld({
      '.github/workflows/deploy.yml': CALLED,
      '.github/workflows/ci.yml': `
on: push
jobs:
  deploy:
    uses: ./.github/workflows/deploy.yml
    with:
      stack: prod
      dry-run: \${{ 'yes' }}
    secrets:
      deploy-key: x
`,
    });
    const report = await world.run('.github/workflows/ci.yml');
    expect(report.job('deploy').conclusion).toBe('failure');
    expect(report.job('deploy').error).toBe("Unexpected value 'yes' for input 'dry-run' of type boolean");
  });

  test('a remote reusable workflow at a tag, and workflows calling workflows', async () => {
    // "{owner}/{repo}/.github/workflows/{filename}@{ref} for reusable workflows in public and
    // private repositories"; "You can connect up to ten levels of workflows".
    shared = await createTestRepository({
      '.github/workflows/outer.yml': `
on:
  workflow_call:
    outputs:
      chain: { value: "\${{ jobs.call.outputs.chain }}" }
jobs:
  call:
    uses: ./.github/workflows/inner.yml
`,
      '.github/workflows/inner.yml': `
on:
  workflow_call:
    outputs:
      chain: { value: "\${{ jobs.leaf.outputs.version }}" }
jobs:
  leaf:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=v1-leaf" >> "$GITHUB_OUTPUT"
`,
    });
    await shared.tag('v1', await shared.head());
    // After the tag, main moves on: the call must use the tag's version.
    await shared.commit({ '.github/workflows/inner.yml': 'broken: [' });
    world = await workflowWorld(
      {
        '.github/workflows/ci.yml': `
on: push
jobs:
  outer:
    uses: acme/shared/.github/workflows/outer.yml@v1
  show:
    needs: outer
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.outer.outputs.chain }}"
`,
      },
      { repositories: { 'acme/shared': { dir: shared.dir } } },
    );
    const report = await world.run('.github/workflows/ci.yml');
    expect(report.conclusion).toBe('success');
    expect(report.job('outer/call/leaf').name).toBe('outer / call / leaf');
    expect(report.job('outer/call/leaf').repository).toBe('acme/shared');
    expect(report.job('show').steps[0]!.log).toBe('v1-leaf');
  });
});
