import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Control the concurrency of workflows and jobs": "there can be at most one
// running and one pending job in a concurrency group at any time. When a
// concurrent job or workflow is queued, if another job or workflow using the
// same concurrency group in the repository is in progress, the queued job or
// workflow will be pending. Any existing pending job or workflow in the same
// concurrency group, if it exists, will be canceled and the new queued job or
// workflow will take its place. To also cancel any currently running job or
// workflow in the same concurrency group, specify cancel-in-progress: true."

let world: WorkflowWorld | undefined;
let gates: string | undefined;
afterEach(async () => {
  await world?.close();
  if (gates) await rm(gates, { recursive: true, force: true });
  world = undefined;
  gates = undefined;
});

const DEPLOY = '.github/workflows/deploy.yml';

/** A step that waits until the test opens the gate `name`. */
function waitFor(name: string): string {
  return `while [ ! -f ${gates}/${name} ]; do sleep 0.05; done`;
}

async function open(name: string): Promise<void> {
  await writeFile(path.join(gates!, name), '');
}

describe('workflow concurrency', () => {
  test('one running and one pending: a newer pending run cancels the older pending one', async () => {
    gates = await mkdtemp(path.join(tmpdir(), 'gates-'));
    world = await workflowWorld({
      [DEPLOY]: `
on: push
concurrency: Deploy-Prod
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ${waitFor('${{ github.sha }}')}
`,
    });
    const { runner } = world;
    const firstEvent = await world.push({ 'a.txt': 'a' });
    const first = runner.start({ workflow: DEPLOY, event: firstEvent });
    const firstId = await first.id;
    await runner.waitFor((e) => e.run === firstId && e.type === 'step-started');

    const second = runner.start({ workflow: DEPLOY, event: await world.push({ 'b.txt': 'b' }) });
    const secondId = await second.id;
    await runner.waitFor((e) => e.run === secondId && e.type === 'run-pending');
    // The group's name is case-insensitive.
    expect(runner.concurrency('deploy-prod')).toEqual({ running: `run ${firstId}`, pending: `run ${secondId}` });

    const thirdEvent = await world.push({ 'c.txt': 'c' });
    const third = runner.start({ workflow: DEPLOY, event: thirdEvent });
    const thirdId = await third.id;
    const displaced = await second.done;
    expect(displaced.conclusion).toBe('cancelled');
    expect(displaced.cancelReason).toBe('Canceling since a higher priority waiting request for Deploy-Prod exists');
    expect(displaced.jobs).toEqual([]);
    expect(runner.concurrency('deploy-prod')).toEqual({ running: `run ${firstId}`, pending: `run ${thirdId}` });

    await open(sha(firstEvent));
    const firstReport = await first.done;
    await open(sha(thirdEvent));
    const thirdReport = await third.done;
    expect([firstReport.conclusion, thirdReport.conclusion]).toEqual(['success', 'success']);
    expect(thirdReport.job('deploy').startedSeq!).toBeGreaterThan(firstReport.job('deploy').completedSeq!);
  });

  test('cancel-in-progress: a new run cancels the running one', async () => {
    gates = await mkdtemp(path.join(tmpdir(), 'gates-'));
    world = await workflowWorld({
      [DEPLOY]: `
on: push
concurrency:
  group: deploy-\${{ github.ref }}
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ${waitFor('${{ github.sha }}')}
      - if: cancelled()
        run: echo "cleaning up after cancel"
`,
    });
    const { runner } = world;
    const first = runner.start({ workflow: DEPLOY, event: await world.push({ 'a.txt': 'a' }) });
    const firstId = await first.id;
    await runner.waitFor((e) => e.run === firstId && e.type === 'step-started');
    const secondEvent = await world.push({ 'b.txt': 'b' });
    const second = runner.start({ workflow: DEPLOY, event: secondEvent });
    const cancelled = await first.done;
    expect(cancelled.conclusion).toBe('cancelled');
    expect(cancelled.cancelReason).toBe(
      'Canceling since a higher priority waiting request for deploy-refs/heads/main exists',
    );
    expect(cancelled.job('deploy').steps.map((s) => s.conclusion)).toEqual(['cancelled', 'success']);
    await open(sha(secondEvent));
    expect((await second.done).conclusion).toBe('success');
  });
});

/** The commit a push event is for: a run's gate name. */
function sha(event: { payload: Record<string, unknown> }): string {
  return event.payload.after as string;
}

describe('job and called-workflow concurrency', () => {
  test('jobs of one group across two runs wait for each other', async () => {
    // "jobs.<job_id>.concurrency ... ensure that only a single job or workflow using the same concurrency group will run at a time."
    gates = await mkdtemp(path.join(tmpdir(), 'gates-'));
    world = await workflowWorld({
      [DEPLOY]: `
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{ run: echo build }]
  apply:
    needs: build
    runs-on: ubuntu-latest
    concurrency: apply-\${{ github.repository }}
    steps:
      - run: ${waitFor('${{ github.sha }}')}
`,
    });
    const { runner } = world;
    const firstEvent = await world.push({ 'a.txt': 'a' });
    const first = runner.start({ workflow: DEPLOY, event: firstEvent });
    const firstId = await first.id;
    await runner.waitFor((e) => e.run === firstId && e.type === 'step-started' && e.job === 'apply');
    const secondEvent = await world.push({ 'b.txt': 'b' });
    const second = runner.start({ workflow: DEPLOY, event: secondEvent });
    const secondId = await second.id;
    const pending = await runner.waitFor((e) => e.run === secondId && e.type === 'job-pending');
    expect(pending.job).toBe('apply');
    await open(sha(firstEvent));
    await open(sha(secondEvent));
    const [a, b] = [await first.done, await second.done];
    expect([a.conclusion, b.conclusion]).toEqual(['success', 'success']);
    expect(b.job('apply').startedSeq!).toBeGreaterThan(a.job('apply').completedSeq!);
    expect(b.job('apply').concurrency).toBe('apply-acme/infra');
  });

  test("a called workflow's fixed group lets a third parallel call cancel the second; a group per input does not", async () => {
    // The called workflow's `concurrency:` applies to each call; with one fixed group, three calls
    // at once leave one running, and the third displaces the pending second.
    gates = await mkdtemp(path.join(tmpdir(), 'gates-'));
    const called = (group: string) => `
on:
  workflow_call:
    inputs:
      env: { type: string, required: true }
concurrency: ${group}
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: ${waitFor('${{ inputs.env }}')}
`;
    const caller = (file: string) => `
on: push
jobs:
  dev:
    uses: ./.github/workflows/${file}
    with: { env: dev }
  staging:
    uses: ./.github/workflows/${file}
    with: { env: staging }
  prod:
    uses: ./.github/workflows/${file}
    with: { env: prod }
`;
    world = await workflowWorld({
      '.github/workflows/drift-fixed.yml': called('drift'),
      '.github/workflows/drift-per-env.yml': called('drift-${{ inputs.env }}'),
      '.github/workflows/fixed.yml': caller('drift-fixed.yml'),
      '.github/workflows/per-env.yml': caller('drift-per-env.yml'),
    });
    const { runner } = world;
    const fixedRun = runner.start({ workflow: '.github/workflows/fixed.yml', event: await world.push() });
    const fixedId = await fixedRun.id;
    await runner.waitFor((e) => e.run === fixedId && e.type === 'job-completed' && e.detail === 'cancelled');
    for (const env of ['dev', 'staging', 'prod']) await open(env);
    const fixed = await fixedRun.done;
    const calls = fixed.jobs.filter((j) => !j.caller);
    // Which call runs first is the scheduler's: exactly one of the three is displaced, by a later one.
    expect(calls.map((j) => j.conclusion).sort()).toEqual(['cancelled', 'success', 'success']);
    expect(calls.find((j) => j.conclusion === 'cancelled')!.error).toBe(
      'Canceling since a higher priority waiting request for drift exists',
    );
    expect(fixed.conclusion).toBe('cancelled');

    const perEnv = await world.run('.github/workflows/per-env.yml');
    expect(perEnv.conclusion).toBe('success');
    expect(perEnv.jobs.filter((j) => j.caller).map((j) => j.conclusion)).toEqual(['success', 'success', 'success']);
  });
});
