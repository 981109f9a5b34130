import { afterEach, describe, expect, test } from 'vitest';
import { REPOSITORY, workflowWorld, type WorkflowWorld } from './test-world.ts';

// `uses:` of actions: a local action of the checkout, and third-party actions
// through their stand-ins (checkout, upload/download-artifact,
// configure-aws-credentials, create-github-app-token) — what each does that
// later steps and jobs can see.

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const CI = '.github/workflows/ci.yml';

describe('actions/checkout', () => {
  test('the event commit, one commit deep by default; fetch-depth: 0 for the history; path and ref', async () => {
    // actions/checkout: "Only a single commit is fetched by default, for the ref/SHA that triggered the
    // workflow. Set fetch-depth: 0 to fetch all history for all branches and tags."
    world = await workflowWorld({
      [CI]: `
on: push
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: git rev-parse HEAD && (git rev-parse --verify -q HEAD~1 || echo shallow)
      - uses: actions/checkout@v4
        with:
          path: full
          fetch-depth: 0
      - run: git diff --name-only HEAD~1 HEAD
        working-directory: full
      - uses: actions/checkout@v4
        with:
          path: old
          ref: v0
      - run: cat old/state.txt
`,
      'state.txt': 'one\n',
    });
    await world.repo.tag('v0', await world.repo.head());
    const report = await world.run(CI, await world.push({ 'state.txt': 'two\n' }));
    const steps = report.job('check').steps;
    expect(steps[0]!.outputs.commit).toBe(report.sha);
    expect(steps[1]!.log).toBe(`${report.sha}\nshallow`);
    expect(steps[3]!.log).toBe('state.txt');
    expect(steps[5]!.log).toBe('one');
  });
});

describe('artifacts', () => {
  test('uploaded in one job, downloaded by name or pattern in another, and listed on the run', async () => {
    // upload-artifact: "If multiple paths are provided as input, the least common ancestor of all the
    // search paths will be used as the root directory of the artifact." download-artifact: "pattern" and
    // "merge-multiple: When multiple artifacts are matched, this changes the behavior of the destination
    // directories. If true, the downloaded artifacts will be in the same directory specified by path."
    world = await workflowWorld({
      [CI]: `
on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        env: [dev, prod]
    steps:
      - run: mkdir -p out && echo "plan of \${{ matrix.env }}" > out/\${{ matrix.env }}.plan && echo log > out/debug.log
      - uses: actions/upload-artifact@v4
        with:
          name: plan-\${{ matrix.env }}
          path: |
            out/
            !out/*.log
      - uses: actions/upload-artifact@v4
        with:
          name: nothing-\${{ matrix.env }}
          path: missing/
  apply:
    needs: plan
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: plan-prod
          path: prod
      - uses: actions/download-artifact@v4
        with:
          pattern: plan-*
          path: all
          merge-multiple: true
      - run: cat prod/prod.plan && ls all | sort | tr '\\n' ' '
`,
    });
    const report = await world.run(CI);
    expect(report.conclusion).toBe('success');
    const plan = report.job('plan[0]');
    expect(plan.steps[1]!.details).toEqual({ name: 'plan-dev', files: ['dev.plan'] });
    expect(plan.steps[2]!.annotations).toEqual([
      {
        level: 'warning',
        message: 'No files were found with the provided path: missing/. No artifacts will be uploaded.',
        properties: {},
      },
    ]);
    expect(report.job('apply').steps[2]!.log).toBe('plan of prod\ndev.plan prod.plan ');
    // The run's artifacts, through the REST API as other runs find them.
    expect(
      world.runner.github
        .artifacts(REPOSITORY)
        .filter((a) => a.workflow_run?.id === report.id)
        .map((a) => a.name)
        .sort(),
    ).toEqual(['plan-dev', 'plan-prod']);
  });

  test("another run's artifact, with run-id and a token that may read actions", async () => {
    // download-artifact: "run-id: The id of the workflow run where the desired download artifact was
    // uploaded from. If github-token is specified, this is the run that artifacts will be downloaded from."
    world = await workflowWorld({
      '.github/workflows/plan.yml': `
on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - run: echo reviewed > plan.bin
      - uses: actions/upload-artifact@v4
        with: { name: plan, path: plan.bin }
`,
      '.github/workflows/apply.yml': `
on:
  workflow_dispatch:
    inputs:
      run: { type: string, required: true }
jobs:
  apply:
    runs-on: ubuntu-latest
    permissions:
      actions: read
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: plan
          run-id: \${{ inputs.run }}
          github-token: \${{ github.token }}
      - run: cat plan.bin
  no-permission:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: plan
          run-id: \${{ inputs.run }}
          github-token: \${{ github.token }}
`,
    });
    const plan = await world.run('.github/workflows/plan.yml');
    const { workflowDispatchEvent } = await import('./events.ts');
    const apply = await world.runner.run({
      workflow: '.github/workflows/apply.yml',
      event: workflowDispatchEvent({
        repository: REPOSITORY,
        workflow: '.github/workflows/apply.yml',
        inputs: { run: String(plan.id) },
      }),
    });
    expect(apply.job('apply').steps[1]!.log).toBe('reviewed');
    expect(apply.job('no-permission').conclusion).toBe('failure');
    expect(apply.requests.filter((r) => r.job === 'no-permission').map((r) => r.status)).toContain(403);
  });
});

describe('aws-actions/configure-aws-credentials', () => {
  test("assumes the role with the job's OIDC token, which needs id-token: write", async () => {
    // configure-aws-credentials: "GitHub's OIDC provider ... you must add permissions: id-token: write".
    world = await workflowWorld(
      {
        [CI]: `
on: push
jobs:
  prod:
    runs-on: ubuntu-latest
    environment: prod
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-prod
          aws-region: eu-west-1
      - run: echo "$AWS_REGION $AWS_ACCESS_KEY_ID"
  dev-role-for-prod:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-prod
          aws-region: eu-west-1
  no-id-token:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-dev
          aws-region: eu-west-1
`,
      },
      {
        environments: { prod: {} },
        // The role's trust policy: only the prod environment of acme/infra.
        assumeRole: ({ roleArn, claims }) => {
          if (roleArn.endsWith('/deploy-prod') && claims.sub !== 'repo:acme/infra:environment:prod') {
            throw new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity');
          }
          return undefined;
        },
      },
    );
    const report = await world.run(CI);
    const prod = report.job('prod');
    expect(prod.steps[0]!.details).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/deploy-prod',
      subject: 'repo:acme/infra:environment:prod',
      audience: 'sts.amazonaws.com',
      environment: 'prod',
    });
    expect(prod.steps[1]!.log).toBe('eu-west-1 ***');
    expect(report.job('dev-role-for-prod').steps[0]!.error).toBe(
      'Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    expect(report.job('no-id-token').steps[0]!.error).toBe(
      'Could not assume role with OIDC: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable',
    );
  });
});

describe('actions/create-github-app-token', () => {
  test("a token of the app's installation, with the permissions asked, revoked at the end of the job", async () => {
    // create-github-app-token: "permission-<permission name>: The permissions to grant to the token.
    // By default, the token inherits all of the installation's permissions." "The token is revoked in the post step."
    const post = `curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer \${{ steps.app.outputs.token }}" "$GITHUB_API_URL/repos/acme/infra/issues/1/comments" -d '{"body":"x"}'`;
    world = await workflowWorld(
      {
        [CI]: `
on: push
jobs:
  comment:
    runs-on: ubuntu-latest
    steps:
      - id: app
        uses: actions/create-github-app-token@v2
        with:
          app-id: '42'
          private-key: \${{ secrets.APP_KEY }}
          permission-issues: write
      - run: |
          ${post}
          echo " \${{ steps.app.outputs.app-slug }}"
      - id: too-much
        uses: actions/create-github-app-token@v2
        with:
          app-id: '42'
          private-key: \${{ secrets.APP_KEY }}
          permission-contents: write
        continue-on-error: true
`,
      },
      {
        secrets: { APP_KEY: 'app-private-key' },
        apps: {
          '42': {
            slug: 'infra-bot',
            privateKey: 'app-private-key',
            permissions: { issues: 'write', contents: 'read' },
          },
        },
      },
    );
    world.runner.github.addRepository(REPOSITORY);
    world.runner.github.seedIssue(REPOSITORY, { title: 'Drift' });
    const report = await world.run(CI);
    const steps = report.job('comment').steps;
    expect(steps[1]!.log).toBe('201 infra-bot');
    expect(world.runner.github.comments(REPOSITORY, 1).map((c) => c.user?.login)).toEqual(['infra-bot[bot]']);
    expect(steps[2]!.error).toBe('The permissions requested are not granted to this installation: contents: write');
    expect(steps.at(-1)!).toMatchObject({ name: 'Post Run actions/create-github-app-token@v2', conclusion: 'success' });
    const token = world.runner.github.requests.find((r) => r.path.endsWith('/comments'))!.token!;
    expect(world.runner.github.tokenPermissions(token)).toBeUndefined();
  });
});

describe('local actions and unknown actions', () => {
  test('a node action of the checkout runs with its inputs; its post step runs at the end of the job', async () => {
    // "./path/to/dir: The path to the directory that contains the action in your workflow's repository.
    // You must check out your repository before using the action." Post: runs at the end of the job.
    world = await workflowWorld({
      '.github/actions/greet/action.yml': `
name: greet
inputs:
  who: { required: true }
  punctuation: { default: '!' }
runs:
  using: node24
  main: main.js
  post: post.js
`,
      '.github/actions/greet/main.js': `
const fs = require('node:fs');
const greeting = 'hello ' + process.env.INPUT_WHO + process.env.INPUT_PUNCTUATION;
console.log(greeting);
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'greeting=' + greeting + '\\n');
fs.appendFileSync(process.env.GITHUB_STATE, 'who=' + process.env.INPUT_WHO + '\\n');
`,
      '.github/actions/greet/post.js': `console.log('goodbye ' + process.env.STATE_who);\n`,
      [CI]: `
on: push
jobs:
  local:
    runs-on: ubuntu-latest
    steps:
      - uses: ./.github/actions/greet
        continue-on-error: true
      - uses: actions/checkout@v4
      - id: greet
        uses: ./.github/actions/greet
        with:
          who: octocat
          colour: blue
      - run: echo "\${{ steps.greet.outputs.greeting }}"
  third-party:
    runs-on: ubuntu-latest
    steps:
      - uses: someone/unknown-action@v1
`,
    });
    const report = await world.run(CI);
    const steps = report.job('local').steps;
    expect(steps[0]!.error).toMatch(
      /^Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '.*\/\.github\/actions\/greet'\. Did you forget to run actions\/checkout before running your local action\?$/,
    );
    expect(steps[2]!.log).toBe(
      "Warning: Unexpected input(s) 'colour', valid inputs are ['who', 'punctuation']\nhello octocat!",
    );
    expect(steps.map((s) => s.name)).toEqual([
      'Run ./.github/actions/greet',
      'Run actions/checkout@v4',
      'Run ./.github/actions/greet',
      'Run echo "${{ steps.greet.outputs.greeting }}"',
      'Post Run ./.github/actions/greet',
    ]);
    expect(steps[3]!.log).toBe('hello octocat!');
    expect(steps[4]!.log).toBe('goodbye octocat');
    expect(report.job('third-party').steps[0]!.error).toBe(
      "Unable to resolve action `someone/unknown-action@v1`, repository not found. (The workflow runner maps no repository 'someone/unknown-action' and has no stand-in for it: add one to test/workflow-runner/stand-ins/.)",
    );
  });
});
