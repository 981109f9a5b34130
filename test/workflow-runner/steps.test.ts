import { afterEach, describe, expect, test } from 'vitest';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// Steps as the runner runs them ("Workflow syntax": jobs.<job_id>.steps[*].run,
// shell, working-directory, env, continue-on-error, timeout-minutes, defaults.run;
// "Workflow commands for GitHub Actions": environment files, masking, annotations;
// "Store information in variables": default environment variables).

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const CI = '.github/workflows/ci.yml';

async function runJob(job: string, options: Parameters<typeof workflowWorld>[1] = {}, top = '') {
  world = await workflowWorld({ [CI]: `on: push\n${top}jobs:\n  job:\n    runs-on: ubuntu-latest\n${job}` }, options);
  return (await world.run(CI)).job('job');
}

describe('run steps', () => {
  test('the default shell is bash -e; shell: bash adds -o pipefail', async () => {
    // "unspecified: bash -e {0}"; "bash: bash --noprofile --norc -eo pipefail {0}"; "Fail-fast behavior using
    // set -eo pipefail: This option is set when shell: bash is explicitly specified."
    const job = await runJob(`    steps:
      - run: |
          false | true; echo "$(set -o | grep pipefail | tr -s ' \t' ' ') $-"
      - id: explicit
        continue-on-error: true
        shell: bash
        run: false | true; echo "not printed"
      - shell: sh
        run: echo "sh $0"
`);
    expect(job.steps[0]!.log).toMatch(/^pipefail off [a-zA-Z]*e[a-zA-Z]*$/);
    expect(job.steps[1]!.outcome).toBe('failure');
    expect(job.steps[1]!.log).toBe('Error: Process completed with exit code 1.');
    expect(job.steps[2]!.log).toMatch(/^sh \/.*\.sh$/);
  });

  test("defaults.run: the job's shell and working-directory over the workflow's; a step's over both", async () => {
    // "defaults.run: You can use defaults.run to provide default shell and working-directory options
    // for all run steps in a workflow." "jobs.<job_id>.defaults.run ... will override the workflow defaults".
    const job = await runJob(
      `    defaults:
      run:
        working-directory: infra
    steps:
      - run: mkdir -p infra/dev && echo "made"
        working-directory: .
      - run: echo "$(basename "$PWD") $0"
      - run: pwd | xargs basename
        working-directory: infra/dev
      - run: echo never
        working-directory: missing
`,
      {},
      'defaults:\n  run:\n    shell: bash\n    working-directory: elsewhere\n',
    );
    expect(job.steps.map((s) => s.log.replace(/\/\S+\.sh/, 'SCRIPT'))).toEqual([
      'made',
      'infra SCRIPT',
      'dev',
      expect.stringMatching(
        /^Error: An error occurred trying to start process '\/usr\/bin\/bash' with working directory '.*\/missing'\. No such file or directory$/,
      ),
    ]);
  });

  test('env of the workflow, the job and the step, and what earlier steps export', async () => {
    // "jobs.<job_id>.steps[*].env ... If more than one environment variable is defined with the same
    // name, GitHub uses the most specific variable": step over job over workflow. Variables written to
    // GITHUB_ENV are available to the subsequent steps; GITHUB_PATH prepends to PATH.
    const job = await runJob(
      `    env:
      LEVEL: job
      JOB_ONLY: j
    steps:
      - run: echo "$LEVEL $JOB_ONLY $WORKFLOW_ONLY"
      - env:
          LEVEL: step
        run: echo "$LEVEL"
      - run: |
          echo "EXPORTED=from-step" >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
      - run: echo "$EXPORTED \${{ env.EXPORTED }} $(mytool)"
`,
      {},
      'env:\n  LEVEL: workflow\n  WORKFLOW_ONLY: w\n',
    );
    expect(job.steps.map((s) => s.log)).toEqual(['job j w', 'step', '', 'from-step from-step tool-ran']);
  });

  test("the runner's variables: GITHUB_*, RUNNER_*, CI, the event file", async () => {
    // "Default environment variables": set by GitHub for every step; they cannot be overwritten by env.
    world = await workflowWorld({
      [CI]: `
name: Variables
on: push
env:
  GITHUB_SHA: overwritten
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "$CI $GITHUB_ACTIONS $GITHUB_EVENT_NAME $GITHUB_REF $GITHUB_REF_NAME $GITHUB_REF_TYPE $GITHUB_JOB $GITHUB_WORKFLOW $GITHUB_REPOSITORY"
          echo "$GITHUB_SHA"
          jq -r .after "$GITHUB_EVENT_PATH"
          [ "$GITHUB_WORKSPACE" = "$PWD" ] && [ -d "$RUNNER_TEMP" ] && echo "$RUNNER_OS $RUNNER_ARCH"
          echo "$GITHUB_RUN_ID" "$GITHUB_WORKFLOW_REF"
`,
    });
    const report = await world.run(CI);
    expect(report.job('show').steps[0]!.log.split('\n')).toEqual([
      'true true push refs/heads/main main branch show Variables acme/infra',
      report.sha,
      report.sha,
      'Linux X64',
      `${report.id} acme/infra/.github/workflows/ci.yml@refs/heads/main`,
    ]);
  });

  test('continue-on-error: the step fails (outcome), the job goes on (conclusion success)', async () => {
    // "steps.<step_id>.outcome: The result of a completed step before continue-on-error is applied."
    // "steps.<step_id>.conclusion: The result of a completed step after continue-on-error is applied."
    const job = await runJob(`    steps:
      - id: flaky
        continue-on-error: true
        run: exit 2
      - run: echo "\${{ steps.flaky.outcome }} \${{ steps.flaky.conclusion }} \${{ job.status }}"
`);
    expect(job.conclusion).toBe('success');
    expect(job.steps.map((s) => [s.outcome, s.conclusion])).toEqual([
      ['failure', 'success'],
      ['success', 'success'],
    ]);
    expect(job.steps[1]!.log).toBe('failure success success');
  });

  test('timeout-minutes: the step is stopped and fails', async () => {
    // "jobs.<job_id>.steps[*].timeout-minutes: The maximum number of minutes to run the step before killing the process."
    const job = await runJob(`    steps:
      - run: sleep 30
        timeout-minutes: 0.02
      - run: echo skipped
      - if: failure()
        run: echo "after \${{ job.status }}"
`);
    expect(job.conclusion).toBe('failure');
    expect(job.steps.map((s) => s.conclusion)).toEqual(['failure', 'skipped', 'success']);
    expect(job.steps[0]!.error).toBe("The action 'Run sleep 30' has timed out after 0.02 minutes.");
    expect(job.steps[2]!.log).toBe('after failure');
  });

  test('a script is the scalar GitHub parsed: heredocs and quotes around expressions stay intact', async () => {
    // A run: value is the YAML scalar's value, expressions evaluated into it (GitHub's parser),
    // not the file's text with its indentation.
    const job = await runJob(`    steps:
      - run: |
          cat <<EOF
          ref: \${{ github.ref }} it's 'quoted' ''twice''
          EOF
      - run: >-
          echo folded
          \${{ github.ref_name }}
`);
    expect(job.steps.map((s) => s.log)).toEqual(["ref: refs/heads/main it's 'quoted' ''twice''", 'folded main']);
  });

  test('the step summary', async () => {
    // "GITHUB_STEP_SUMMARY: ... Markdown for each job so that it will be displayed on the summary page of a workflow run."
    const job = await runJob(`    steps:
      - run: |
          echo "### Plan: 3 to add" >> "$GITHUB_STEP_SUMMARY"
`);
    expect(job.steps[0]!.summary).toBe('### Plan: 3 to add\n');
  });
});

describe('masking and workflow commands', () => {
  test('secrets are masked from the start, add-mask values from the line they are registered on', async () => {
    // "GitHub automatically redacts the contents of all GitHub secrets that are printed to workflow logs."
    // "add-mask: Masking a value prevents a string or variable from being printed in the log."
    const job = await runJob(
      `    steps:
      - env:
          TOKEN: \${{ secrets.API_TOKEN }}
          CERT: \${{ secrets.CERT }}
        run: |
          echo "token $TOKEN"
          echo "base64 $(printf %s "$TOKEN" | base64)"
          echo "second line: $(echo "$CERT" | sed -n 2p)"
          echo "early generated-value-123"
          echo "::add-mask::generated-value-123"
          echo "late generated-value-123"
      - run: echo "next step generated-value-123"
      - run: echo "::error file=main.tf,line=3::bad \${{ secrets.API_TOKEN }}"
        continue-on-error: true
`,
      { secrets: { API_TOKEN: 'tok-0123456789', CERT: '-----BEGIN-----\nline-two-of-cert\n-----END-----' } },
    );
    expect(job.steps[0]!.log.split('\n')).toEqual([
      'token ***',
      'base64 ***',
      'second line: ***',
      'early generated-value-123',
      'late ***',
    ]);
    expect(job.steps[1]!.log).toBe('next step ***');
    expect(job.steps[2]!.annotations).toEqual([
      { level: 'error', message: 'bad ***', properties: { file: 'main.tf', line: '3' } },
    ]);
  });
});
