import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// Jobs as GitHub runs them ("Workflow syntax for GitHub Actions": jobs,
// jobs.<job_id>.needs, jobs.<job_id>.if, jobs.<job_id>.outputs; "Evaluate
// expressions in workflows and actions": status check functions).

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WORKFLOW = '.github/workflows/ci.yml';

function workflow(jobs: string): Record<string, string> {
  return { [WORKFLOW]: `name: CI\non: push\njobs:\n${jobs}` };
}

describe('jobs: order, needs, if and status functions', () => {
  test('a job that needs another starts after it completed', async () => {
    // "jobs.<job_id>.needs: Use jobs.<job_id>.needs to identify any jobs that must complete successfully before this job will run."
    world = await workflowWorld(
      workflow(`
  build:
    runs-on: ubuntu-latest
    steps: [{ run: echo build }]
  test:
    needs: build
    runs-on: ubuntu-latest
    steps: [{ run: echo test }]
`),
    );
    const report = await world.run(WORKFLOW);
    expect(report.conclusion).toBe('success');
    expect(report.job('test').startedSeq!).toBeGreaterThan(report.job('build').completedSeq!);
  });

  test('independent jobs run at the same time', async () => {
    // "A workflow run is made up of one or more jobs, which run in parallel by default."
    // Each job waits for the other's mark: they succeed only if both run at once.
    const marks = await mkdtemp(path.join(tmpdir(), 'marks-'));
    try {
      const wait = (me: string, other: string) =>
        `touch ${marks}/${me}; for i in $(seq 200); do [ -f ${marks}/${other} ] && exit 0; sleep 0.05; done; exit 1`;
      world = await workflowWorld(
        workflow(`
  left:
    runs-on: ubuntu-latest
    steps: [{ run: "${wait('left', 'right')}" }]
  right:
    runs-on: ubuntu-latest
    steps: [{ run: "${wait('right', 'left')}" }]
`),
      );
      const report = await world.run(WORKFLOW);
      expect(report.jobs.map((j) => [j.id, j.conclusion])).toEqual([
        ['left', 'success'],
        ['right', 'success'],
      ]);
    } finally {
      await rm(marks, { recursive: true, force: true });
    }
  });

  test('a failed or skipped job skips the jobs that need it, unless their if: continues', async () => {
    // "If a job fails or is skipped, all jobs that need it are skipped unless the jobs use a
    // conditional expression that causes the job to continue."
    world = await workflowWorld(
      workflow(`
  broken:
    runs-on: ubuntu-latest
    steps: [{ run: exit 3 }]
  after-broken:
    needs: broken
    runs-on: ubuntu-latest
    steps: [{ run: echo never }]
  always:
    needs: broken
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "broken was \${{ needs.broken.result }}"
  on-failure:
    needs: broken
    if: failure()
    runs-on: ubuntu-latest
    steps: [{ run: echo cleanup }]
  unused:
    if: github.ref == 'refs/heads/nowhere'
    runs-on: ubuntu-latest
    steps: [{ run: echo never }]
  after-unused:
    needs: unused
    runs-on: ubuntu-latest
    steps: [{ run: echo never }]
`),
    );
    const report = await world.run(WORKFLOW);
    const conclusions = Object.fromEntries(report.jobs.map((j) => [j.id, j.conclusion]));
    expect(conclusions).toEqual({
      broken: 'failure',
      'after-broken': 'skipped',
      always: 'success',
      'on-failure': 'success',
      unused: 'skipped',
      'after-unused': 'skipped',
    });
    expect(report.job('always').steps[0]!.log).toBe('broken was failure');
    expect(report.job('broken').steps[0]!.error).toBe('Process completed with exit code 3.');
    expect(report.conclusion).toBe('failure');
  });

  test('failure() sees a failed ancestor through a job that continued', async () => {
    // "failure: ... If you have a chain of dependent jobs, failure() returns true if any ancestor job fails."
    world = await workflowWorld(
      workflow(`
  first:
    runs-on: ubuntu-latest
    steps: [{ run: exit 1 }]
  second:
    needs: first
    if: always()
    runs-on: ubuntu-latest
    steps: [{ run: echo second }]
  notify:
    needs: second
    if: failure()
    runs-on: ubuntu-latest
    steps: [{ run: echo notify }]
  deploy:
    needs: second
    runs-on: ubuntu-latest
    steps: [{ run: echo deploy }]
`),
    );
    const report = await world.run(WORKFLOW);
    expect(report.job('second').conclusion).toBe('success');
    expect(report.job('notify').conclusion).toBe('success');
    expect(report.job('deploy').conclusion).toBe('skipped');
  });

  test('a skipped job does not fail the run', async () => {
    // "A job that is skipped will report its status as "Success". It will not prevent a pull
    // request from merging, even if it is a required check."
    world = await workflowWorld(
      workflow(`
  release:
    if: startsWith(github.ref, 'refs/tags/')
    runs-on: ubuntu-latest
    steps: [{ run: echo release }]
`),
    );
    const report = await world.run(WORKFLOW);
    expect(report.job('release').conclusion).toBe('skipped');
    expect(report.job('release').steps).toEqual([]);
    expect(report.conclusion).toBe('success');
  });

  test('cancelling a run cancels its running job; only always() and cancelled() still run', async () => {
    // "cancelled: Returns true if the workflow was canceled." "always: Causes the step to always
    // execute, and returns true, even when canceled."
    world = await workflowWorld(
      workflow(`
  long:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 60
      - if: always()
        run: echo cleaned up
      - run: echo never
  report:
    needs: long
    if: cancelled()
    runs-on: ubuntu-latest
    steps:
      - run: echo "long was \${{ needs.long.result }}"
  next:
    needs: long
    runs-on: ubuntu-latest
    steps: [{ run: echo never }]
`),
    );
    const handle = world.runner.start({ workflow: WORKFLOW, event: await world.push() });
    const id = await handle.id;
    await world.runner.waitFor((e) => e.run === id && e.type === 'step-started' && e.job === 'long');
    handle.cancel();
    const report = await handle.done;
    expect(report.conclusion).toBe('cancelled');
    const long = report.job('long');
    expect(long.conclusion).toBe('cancelled');
    expect(long.steps.map((s) => [s.conclusion, s.log])).toEqual([
      ['cancelled', 'Error: The operation was canceled.'],
      ['success', 'cleaned up'],
      ['skipped', ''],
    ]);
    expect(report.job('report').steps[0]!.log).toBe('long was cancelled');
    expect(report.job('next').conclusion).toBe('cancelled');
  });
});

describe('outputs', () => {
  test('step outputs become job outputs, which the jobs that need it read', async () => {
    // "jobs.<job_id>.outputs: ... Job outputs are available to all downstream jobs that depend on this job."
    world = await workflowWorld(
      workflow(`
  plan:
    runs-on: ubuntu-latest
    outputs:
      digest: \${{ steps.digest.outputs.value }}
      both: \${{ steps.digest.outputs.value }}-\${{ steps.other.outputs.value }}
    steps:
      - id: digest
        run: echo "value=abc123" >> "$GITHUB_OUTPUT"
      - id: other
        run: |
          {
            echo 'value<<EOF'
            echo 'two'
            echo 'lines'
            echo 'EOF'
          } >> "$GITHUB_OUTPUT"
  apply:
    needs: plan
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.plan.outputs.digest }} / \${{ needs.plan.outputs.both }}"
`),
    );
    const report = await world.run(WORKFLOW);
    expect(report.job('plan').outputs).toEqual({ digest: 'abc123', both: 'abc123-two\nlines' });
    expect(report.job('plan').steps[1]!.outputs).toEqual({ value: 'two\nlines' });
    expect(report.job('apply').steps[0]!.log).toBe('abc123 / abc123-two\nlines');
  });

  test('a job output that holds a secret is not passed on', async () => {
    // "Outputs containing secrets are redacted on the runner and not sent to GitHub Actions."
    world = await workflowWorld(
      workflow(`
  leak:
    runs-on: ubuntu-latest
    outputs:
      token: \${{ steps.s.outputs.token }}
      fine: \${{ steps.s.outputs.fine }}
    steps:
      - id: s
        run: |
          echo "token=\${{ secrets.DEPLOY_KEY }}" >> "$GITHUB_OUTPUT"
          echo "fine=public" >> "$GITHUB_OUTPUT"
  read:
    needs: leak
    runs-on: ubuntu-latest
    steps:
      - run: echo "[\${{ needs.leak.outputs.token }}]"
`),
      { secrets: { DEPLOY_KEY: 'k3y-v4lue-s3cret' } },
    );
    const report = await world.run(WORKFLOW);
    expect(report.job('leak').outputs).toEqual({ fine: 'public' });
    expect(report.job('read').steps[0]!.log).toBe('[]');
  });
});

describe('job settings', () => {
  test('continue-on-error: a failed job does not fail the run', async () => {
    // "jobs.<job_id>.continue-on-error: Prevents a workflow run from failing when a job fails."
    world = await workflowWorld(
      workflow(`
  experimental:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps: [{ run: exit 1 }]
  next:
    needs: experimental
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.experimental.result }}"
`),
    );
    const report = await world.run(WORKFLOW);
    expect(report.job('experimental').conclusion).toBe('failure');
    expect(report.job('next').steps[0]!.log).toBe('success');
    expect(report.conclusion).toBe('success');
  });

  test('timeout-minutes: a job that runs longer is stopped and fails', async () => {
    // "jobs.<job_id>.timeout-minutes: The maximum number of minutes to let a job run before GitHub automatically cancels it."
    world = await workflowWorld(
      workflow(`
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 0.02
    steps:
      - run: sleep 60
      - if: always()
        run: echo after
`),
    );
    const report = await world.run(WORKFLOW);
    const slow = report.job('slow');
    expect(slow.conclusion).toBe('failure');
    expect(slow.error).toBe(
      'The job running on runner GitHub Actions 1 has exceeded the maximum execution time of 0.02 minutes.',
    );
    expect(slow.steps.map((s) => s.conclusion)).toEqual(['failure', 'success']);
  });
});
