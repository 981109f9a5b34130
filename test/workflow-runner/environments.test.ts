import { afterEach, describe, expect, test } from 'vitest';
import type { ReviewRequest } from './environments.ts';
import { pushEvent } from './events.ts';
import { REPOSITORY, workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Managing environments for deployment": deployment protection rules
// (required reviewers, deployment branches and tags) and environment secrets
// and variables.

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const DEPLOY = '.github/workflows/deploy.yml';
const WORKFLOW = `
name: Deploy
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{ run: echo build }]
  prod:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: prod
      url: \${{ steps.deploy.outputs.url }}
    steps:
      - id: deploy
        run: |
          echo "password=\${{ secrets.DB_PASSWORD }} region=\${{ vars.REGION }} team=\${{ vars.TEAM }}"
          echo "url=https://prod.example.com" >> "$GITHUB_OUTPUT"
  after:
    needs: prod
    runs-on: ubuntu-latest
    steps: [{ run: echo after }]
`;

const environments = {
  prod: {
    reviewers: ['alice', 'bob'],
    branches: ['main'],
    tags: ['v*'],
    secrets: { DB_PASSWORD: 'prod-password' },
    variables: { REGION: 'eu-central-1' },
  },
};

describe('required reviewers', () => {
  test('the job waits until a reviewer approves, then runs with the environment', async () => {
    // "Required reviewers: ... Only one of the required reviewers needs to approve the job for it to proceed."
    // "A job referencing the environment must pass all deployment protection rules before running or
    // accessing the environment's secrets."
    const asked: ReviewRequest[] = [];
    world = await workflowWorld(
      { [DEPLOY]: WORKFLOW },
      {
        environments,
        secrets: { DB_PASSWORD: 'repository-password' },
        variables: { REGION: 'us-east-1', TEAM: 'platform' },
        reviewer: (request) => {
          asked.push(request);
          return { approve: true, by: 'bob', comment: 'ship it' };
        },
      },
    );
    const event = await world.push();
    const report = await world.runner.run({ workflow: DEPLOY, event });
    expect(report.conclusion).toBe('success');
    expect(asked).toEqual([
      {
        runId: report.id,
        workflow: 'Deploy',
        job: 'prod',
        environment: 'prod',
        reviewers: ['alice', 'bob'],
        actor: (event.payload.sender as { login: string }).login,
        ref: 'refs/heads/main',
        sha: report.sha,
      },
    ]);
    const prod = report.job('prod');
    expect(prod.steps[0]!.log).toBe('password=*** region=eu-central-1 team=platform');
    expect(prod.environment).toEqual({ name: 'prod', url: 'https://prod.example.com' });
    expect(report.approvals).toEqual([
      expect.objectContaining({ environment: 'prod', state: 'approved', by: 'bob', comment: 'ship it' }),
    ]);
    // Asked once build was done, and before prod started.
    const approval = report.approvals[0]!;
    expect(approval.requestedSeq).toBeGreaterThan(report.job('build').completedSeq!);
    expect(prod.startedSeq!).toBeGreaterThan(approval.decidedSeq);
  });

  test('a rejection fails the job, which never sees the environment secrets', async () => {
    // "Reviewers can reject a deployment": the job does not run.
    world = await workflowWorld(
      { [DEPLOY]: WORKFLOW },
      { environments, reviewer: () => ({ approve: false, by: 'alice' }) },
    );
    const report = await world.run(DEPLOY);
    expect(report.conclusion).toBe('failure');
    expect(report.job('prod').conclusion).toBe('failure');
    expect(report.job('prod').error).toBe('Deployment to prod was rejected by alice');
    expect(report.job('prod').steps).toEqual([]);
    expect(report.job('after').conclusion).toBe('skipped');
    expect(report.approvals.map((a) => [a.state, a.by])).toEqual([['rejected', 'alice']]);
  });

  test('prevent self-review: the person who triggered the run may not approve it', async () => {
    // "Prevent self-review: ... prevent users from approving workflows runs that they triggered."
    world = await workflowWorld(
      { [DEPLOY]: WORKFLOW },
      {
        environments: { prod: { ...environments.prod, preventSelfReview: true } },
        reviewer: ({ actor }) => ({ approve: true, by: actor }),
      },
    );
    const event = pushEvent({ repository: REPOSITORY, ref: 'main', after: await world.repo.head(), pusher: 'alice' });
    const report = await world.runner.run({ workflow: DEPLOY, event });
    expect(report.job('prod').conclusion).toBe('failure');
    expect(report.job('prod').error).toBe('alice triggered the run and may not approve it: prod prevents self-review');
  });
});

describe('deployment branches and tags', () => {
  test('a ref that may not deploy fails the job before any review', async () => {
    // "Deployment branches and tags: ... Only branches and tags that match your specified name
    // patterns can deploy to the environment."
    let asked = 0;
    world = await workflowWorld(
      { [DEPLOY]: WORKFLOW },
      {
        environments,
        reviewer: () => {
          asked++;
          return { approve: true, by: 'alice' };
        },
      },
    );
    const feature = await world.runner.run({
      workflow: DEPLOY,
      event: await world.push({ 'x.txt': 'x' }, 'feature/x'),
    });
    expect(feature.job('prod').conclusion).toBe('failure');
    expect(feature.job('prod').error).toBe(
      'Branch "feature/x" is not allowed to deploy to prod due to environment protection rules.',
    );
    expect(asked).toBe(0);

    const sha = await world.repo.head();
    await world.repo.tag('v1.2.0', sha);
    const tag = await world.runner.run({
      workflow: DEPLOY,
      event: pushEvent({ repository: REPOSITORY, ref: 'refs/tags/v1.2.0', after: sha }),
    });
    expect(tag.job('prod').conclusion).toBe('success');
    expect(asked).toBe(1);
  });
});

describe('environment secrets and variables', () => {
  test("an environment's secrets and variables take precedence over the repository's", async () => {
    // "Secrets stored in an environment are only available to workflow jobs that reference the environment."
    // "If a secret with the same name exists at multiple levels, the secret at the lowest level takes precedence."
    world = await workflowWorld(
      {
        [DEPLOY]: `
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        env: [dev, staging]
    environment: \${{ matrix.env }}
    steps:
      - env:
          KEY: \${{ secrets.KEY }}
        run: echo "\${{ matrix.env }} \${{ vars.URL }} $KEY (\${#KEY} characters)"
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ vars.URL }}"
`,
      },
      {
        secrets: { KEY: 'repo-key' },
        variables: { URL: 'https://example.com' },
        environments: {
          dev: { variables: { URL: 'https://dev.example.com' }, secrets: { KEY: 'dev-key' } },
          staging: { variables: { URL: 'https://staging.example.com' } },
        },
      },
    );
    const report = await world.run(DEPLOY);
    expect(report.jobs.map((j) => [j.name, j.environment?.name, j.steps[0]!.log])).toEqual([
      // dev-key and repo-key: masked, of 7 and 8 characters.
      ['deploy (dev)', 'dev', 'dev https://dev.example.com *** (7 characters)'],
      ['deploy (staging)', 'staging', 'staging https://staging.example.com *** (8 characters)'],
      ['plain', undefined, 'https://example.com'],
    ]);
  });
});
