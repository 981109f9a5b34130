import { afterEach, describe, expect, test } from 'vitest';
import {
  mergeGroupEvent,
  pullRequestEvent,
  pullRequestReviewEvent,
  pushEvent,
  scheduleEvent,
  workflowDispatchEvent,
} from './events.ts';
import type { WorkflowEvent } from './events.ts';
import { matchesFilters } from './filter-pattern.ts';
import { REPOSITORY, workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Events that trigger workflows" (each event's GITHUB_SHA and GITHUB_REF,
// activity types) and the `on.<event>` filters of "Workflow syntax"
// (branches, tags, paths; the filter pattern cheat sheet).

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const SHOW = `
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$GITHUB_EVENT_NAME $GITHUB_REF $GITHUB_SHA head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF"
`;

describe('filter patterns', () => {
  test('the cheat sheet: * stops at /, ** does not, ? and + quantify, ! excludes what came before', () => {
    // "Filter pattern cheat sheet" examples.
    expect(matchesFilters('feature/my-branch', ['feature/*'])).toBe(true);
    expect(matchesFilters('feature/your/branch', ['feature/*'])).toBe(false);
    expect(matchesFilters('feature/your/branch', ['feature/**'])).toBe(true);
    expect(matchesFilters('main', ['main', 'releases/mona-the-octocat'])).toBe(true);
    expect(matchesFilters('README.md', ['**/README.md'])).toBe(true);
    expect(matchesFilters('docs/README.md', ['**/README.md'])).toBe(true);
    expect(matchesFilters('app.js', ['*.js'])).toBe(true);
    expect(matchesFilters('src/app.js', ['*.js'])).toBe(false);
    expect(matchesFilters('src/app.js', ['**.js'])).toBe(true);
    expect(matchesFilters('page.js', ['*.jsx?'])).toBe(true);
    expect(matchesFilters('page.jsx', ['*.jsx?'])).toBe(true);
    expect(matchesFilters('v2.0.0', ['v[12].[0-9]+.[0-9]+'])).toBe(true);
    expect(matchesFilters('v3.0.0', ['v[12].[0-9]+.[0-9]+'])).toBe(false);
    // "releases/**-alpha" excluded, then "releases/**" includes again only what comes after.
    expect(matchesFilters('releases/10-alpha', ['releases/**', '!releases/**-alpha'])).toBe(false);
    expect(matchesFilters('releases/10', ['releases/**', '!releases/**-alpha'])).toBe(true);
  });
});

describe('push', () => {
  test('branches, tags and paths filters', async () => {
    // "If you define only tags/tags-ignore or only branches/branches-ignore, the workflow won't run for
    // events affecting the undefined Git ref." "If at least one path matches a pattern in the paths filter, the workflow runs."
    world = await workflowWorld({
      '.github/workflows/infra.yml': `on:\n  push:\n    branches: [main, 'releases/**']\n    paths: ['infra/**', '!infra/**.md']\n${SHOW}`,
      '.github/workflows/release.yml': `on:\n  push:\n    tags: ['v*']\n${SHOW}`,
      '.github/workflows/no-docs.yml': `on:\n  push:\n    paths-ignore: ['docs/**']\n${SHOW}`,
    });
    const infraChange = await world.push({ 'infra/main.tf': 'x' });
    const run = (workflow: string, event: WorkflowEvent) =>
      world!.runner.run({ workflow: `.github/workflows/${workflow}.yml`, event });
    const ran = await run('infra', infraChange);
    expect(ran.triggered).toBe(true);
    expect(ran.job('show').steps[0]!.log).toBe(`push refs/heads/main ${ran.sha} head= base=`);
    expect(await run('release', infraChange)).toMatchObject({
      triggered: false,
      reason: 'the push filters name tags only, and this push is a branch',
    });

    const docsChange = await world.push({ 'docs/guide.md': 'x', 'infra/README.md': 'x' });
    expect(await run('infra', docsChange)).toMatchObject({
      triggered: false,
      reason: 'no changed file matches the paths filter (changed: docs/guide.md, infra/README.md)',
    });
    expect(await run('no-docs', await world.push({ 'docs/other.md': 'x' }))).toMatchObject({
      triggered: false,
      reason: 'every changed file matches paths-ignore',
    });
    expect((await run('infra', await world.push({ 'infra/x.tf': 'x' }, 'feature'))).reason).toBe(
      "branch 'feature' matches no branches filter",
    );

    const sha = await world.repo.head();
    await world.repo.tag('v1.0.0', sha);
    const tag = pushEvent({ repository: REPOSITORY, ref: 'refs/tags/v1.0.0', after: sha });
    expect((await run('release', tag)).job('show').steps[0]!.log).toBe(`push refs/tags/v1.0.0 ${sha} head= base=`);
    expect((await run('infra', tag)).triggered).toBe(false);
  });
});

describe('pull requests', () => {
  test('GITHUB_SHA is the merge commit of refs/pull/<n>/merge; types, branches and paths filter', async () => {
    // pull_request: "GITHUB_SHA: Last merge commit on the GITHUB_REF branch; GITHUB_REF: PR merge branch
    // refs/pull/PULL_REQUEST_NUMBER/merge". "By default, a workflow only runs when a pull_request event's
    // activity type is opened, synchronize, or reopened." Branch filters match the base branch.
    world = await workflowWorld({
      '.github/workflows/plan.yml': `on:\n  pull_request:\n    branches: [main]\n    paths: ['infra/**']\n${SHOW.replace(
        'steps:',
        `steps:
      - uses: actions/checkout@v4
      - run: git cat-file -p HEAD | grep -c ^parent`,
      )}`,
      '.github/workflows/review.yml': `on:\n  pull_request_review:\n    types: [submitted]\n${SHOW}`,
    });
    const base = await world.repo.head();
    const head = await world.repo.commit({ 'infra/dev/main.tf': 'resource' }, { branch: 'grow', from: 'main' });
    await world.repo.commit({ 'other.txt': 'moved on' }, { branch: 'main' });
    world.runner.github.addRepository(REPOSITORY);
    const pull = world.runner.github.seedPullRequest(REPOSITORY, {
      title: 'Grow',
      head: 'grow',
      headSha: head,
      baseSha: base,
    });

    const opened = await world.runner.run({
      workflow: '.github/workflows/plan.yml',
      event: pullRequestEvent(pull, 'opened'),
    });
    expect(opened.ref).toBe(`refs/pull/${pull.number}/merge`);
    expect(opened.sha).not.toBe(head);
    const steps = opened.job('show').steps;
    // A merge commit: the head merged into the base branch's tip.
    expect(steps[1]!.log).toBe('2');
    expect(steps[2]!.log).toBe(`pull_request refs/pull/${pull.number}/merge ${opened.sha} head=grow base=main`);
    expect(
      (await world.runner.run({ workflow: '.github/workflows/plan.yml', event: pullRequestEvent(pull, 'labeled') }))
        .reason,
    ).toBe("activity type 'labeled' is not one of opened, synchronize, reopened");

    const review = world.runner.github.seedReview(REPOSITORY, pull.number, { user: 'alice', state: 'APPROVED' });
    const reviewed = await world.runner.run({
      workflow: '.github/workflows/review.yml',
      event: pullRequestReviewEvent(world.runner.github.pullRequest(REPOSITORY, pull.number)!, review),
    });
    expect(reviewed.ref).toBe(`refs/pull/${pull.number}/merge`);
    expect(reviewed.job('show').steps[0]!.log).toContain('pull_request_review');
  });
});

describe('merge queue, schedule and manual runs', () => {
  test('merge_group runs on the queue branch head', async () => {
    // merge_group: "GITHUB_SHA: SHA of the merge group; GITHUB_REF: Ref of the merge group".
    world = await workflowWorld({ '.github/workflows/queue.yml': `on: merge_group\n${SHOW}` });
    const base = await world.repo.head();
    const head = await world.repo.commit({ 'a.txt': 'a' }, { branch: 'gh-readonly-queue/main/pr-1', from: 'main' });
    const event = mergeGroupEvent({ repository: REPOSITORY, headSha: head, baseSha: base });
    const report = await world.runner.run({ workflow: '.github/workflows/queue.yml', event });
    expect([report.sha, report.ref]).toEqual([head, `refs/heads/gh-readonly-queue/main/pr-1-${base}`]);
  });

  test('schedule runs the last commit of the default branch; the payload names the cron', async () => {
    // schedule: "GITHUB_SHA: Last commit on default branch; GITHUB_REF: Default branch". "github.event.schedule".
    world = await workflowWorld({
      '.github/workflows/nightly.yml': `
on:
  schedule:
    - cron: '0 3 * * *'
    - cron: '0 12 * * 1'
jobs:
  drift:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.schedule }} \${{ github.repository }} \${{ github.ref }}"
`,
    });
    await world.repo.commit({ 'x.txt': 'x' }, { branch: 'feature', from: 'main' });
    const report = await world.runner.run({
      workflow: '.github/workflows/nightly.yml',
      event: scheduleEvent('0 3 * * *'),
    });
    expect(report.sha).toBe(await world.repo.head('main'));
    expect(report.job('drift').steps[0]!.log).toBe('0 3 * * * acme/infra refs/heads/main');
    expect(
      (await world.runner.run({ workflow: '.github/workflows/nightly.yml', event: scheduleEvent('5 5 * * *') }))
        .triggered,
    ).toBe(false);
  });

  test('workflow_dispatch: typed inputs, defaults, choices, required inputs', async () => {
    // "The inputs context ... preserves Boolean values as Booleans instead of converting them to strings."
    world = await workflowWorld({
      '.github/workflows/rollback.yml': `
on:
  workflow_dispatch:
    inputs:
      environment: { type: choice, options: [staging, prod], required: true }
      dry-run: { type: boolean, default: true }
      ref: { type: string, required: true }
jobs:
  rollback:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ inputs.environment }} \${{ inputs.dry-run == true }} \${{ github.event.inputs.dry-run == 'true' }} \${{ inputs.ref }}"
`,
    });
    const dispatch = (inputs: Record<string, string>) =>
      world!.runner.run({
        workflow: '.github/workflows/rollback.yml',
        event: workflowDispatchEvent({ repository: REPOSITORY, workflow: '.github/workflows/rollback.yml', inputs }),
      });
    const report = await dispatch({ environment: 'prod', ref: 'v1' });
    expect(report.job('rollback').steps[0]!.log).toBe('prod true true v1');
    expect((await dispatch({ environment: 'qa', ref: 'v1' })).errors).toEqual([
      "Provided value 'qa' for input 'environment' not in the list of allowed values",
    ]);
    expect((await dispatch({ environment: 'prod' })).errors).toEqual(["Required input 'ref' not provided"]);
  });
});
