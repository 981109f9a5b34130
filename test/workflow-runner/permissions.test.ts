import { afterEach, describe, expect, test } from 'vitest';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Controlling permissions for GITHUB_TOKEN" and "Reuse workflows" (access and
// permissions): the token each job gets, and the rule that a called workflow
// cannot ask for more than its caller grants.

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const CI = '.github/workflows/ci.yml';

describe('permissions of reusable workflows', () => {
  test('a called workflow whose job asks for more than the caller grants is refused before any job starts', async () => {
    // "The GITHUB_TOKEN permissions passed from the caller workflow can be only downgraded (not
    // elevated) by the called workflow." GitHub's startup failure names the nested job.
    world = await workflowWorld({
      '.github/workflows/deploy.yml': `
on: workflow_call
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps: [{ run: echo deploy }]
`,
      [CI]: `
on: push
permissions:
  contents: read
jobs:
  deploy:
    uses: ./.github/workflows/deploy.yml
`,
    });
    const report = await world.run(CI);
    expect(report.conclusion).toBe('startup_failure');
    expect(report.jobs).toEqual([]);
    expect(report.errors).toEqual([
      `The workflow is not valid. .github/workflows/ci.yml (Line: 6, Col: 3): Error calling workflow 'acme/infra/.github/workflows/deploy.yml@${report.sha}'. The nested job 'deploy' is requesting 'id-token: write', but is only allowed 'id-token: none'.`,
    ]);
  });

  test('without permissions in the caller, the repository default is the limit', async () => {
    // "If jobs.<job_id>.permissions is not specified in the calling job, the called workflow will
    // have the default permissions for the GITHUB_TOKEN." The restricted default reads contents and packages.
    world = await workflowWorld({
      '.github/workflows/publish.yml': `
on: workflow_call
permissions:
  packages: write
  pull-requests: write
jobs:
  publish:
    runs-on: ubuntu-latest
    steps: [{ run: echo publish }]
`,
      [CI]: `
on: push
jobs:
  publish:
    uses: ./.github/workflows/publish.yml
`,
    });
    const report = await world.run(CI);
    expect(report.errors).toEqual([
      `The workflow is not valid. .github/workflows/ci.yml (Line: 4, Col: 3): Error calling workflow 'acme/infra/.github/workflows/publish.yml@${report.sha}'. The workflow is requesting 'packages: write, pull-requests: write', but is only allowed 'packages: read, pull-requests: none'.`,
    ]);
  });

  test('the calling job grants; the called jobs inherit the grant or downgrade it', async () => {
    // "jobs.<job_id>.permissions ... in the calling job" sets what the called workflow may use.
    world = await workflowWorld({
      '.github/workflows/plan.yml': `
on: workflow_call
jobs:
  plan:
    runs-on: ubuntu-latest
    steps: [{ run: echo plan }]
  read-only:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps: [{ run: echo read }]
`,
      [CI]: `
on: push
jobs:
  plan:
    permissions:
      contents: read
      pull-requests: write
      id-token: write
    uses: ./.github/workflows/plan.yml
`,
    });
    const report = await world.run(CI);
    expect(report.conclusion).toBe('success');
    expect(report.job('plan/plan').permissions).toEqual({
      contents: 'read',
      'pull-requests': 'write',
      'id-token': 'write',
    });
    expect(report.job('plan/read-only').permissions).toEqual({ contents: 'read' });
  });
});

describe("each job's GITHUB_TOKEN", () => {
  test('permissions at workflow and job level, {}, read-all, write-all, and the repository default', async () => {
    // "You can use permissions to modify the default permissions granted to the GITHUB_TOKEN";
    // "If you specify the access for any of these permissions, all of those that are not specified are set to none";
    // "You can use the following syntax to disable permissions for all of the available permissions: permissions: {}".
    const steps = 'steps: [{ run: "true" }]';
    world = await workflowWorld({
      [CI]: `
on: push
permissions:
  contents: read
  issues: write
jobs:
  workflow-level:
    runs-on: ubuntu-latest
    ${steps}
  job-level:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: read
    ${steps}
  nothing:
    runs-on: ubuntu-latest
    permissions: {}
    ${steps}
  read-all:
    runs-on: ubuntu-latest
    permissions: read-all
    ${steps}
`,
      '.github/workflows/default.yml': `
on: push
jobs:
  default:
    runs-on: ubuntu-latest
    ${steps}
`,
    });
    const report = await world.run(CI);
    expect(report.job('workflow-level').permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(report.job('job-level').permissions).toEqual({ 'pull-requests': 'read' });
    expect(report.job('nothing').permissions).toEqual({});
    expect(report.job('read-all').permissions).toMatchObject({ actions: 'read', contents: 'read', 'id-token': 'read' });
    // The repository's "Workflow permissions" setting: read repository contents and packages (restricted).
    expect((await world.run('.github/workflows/default.yml')).job('default').permissions).toEqual({
      contents: 'read',
      packages: 'read',
    });
    world.runner.settings.permissionsPolicy = 'permissive';
    const permissive = (await world.run('.github/workflows/default.yml')).job('default').permissions;
    expect(permissive).toMatchObject({
      contents: 'write',
      issues: 'write',
      'pull-requests': 'write',
      actions: 'write',
    });
    expect(permissive).not.toHaveProperty('id-token');
  });

  test('the token may use the API within its permissions only: 403 outside them', async () => {
    // The token is a GitHub App installation token of the job's permissions; GitHub answers a
    // request outside them with 403 "Resource not accessible by integration".
    const comment = `curl -s -o /dev/null -w '%{http_code}\\n' -X POST -H "Authorization: Bearer \${{ github.token }}" \\
            "$GITHUB_API_URL/repos/acme/infra/issues/1/comments" -d '{"body":"plan"}'`;
    world = await workflowWorld({
      [CI]: `
on: push
jobs:
  reader:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: |
          ${comment}
  writer:
    needs: reader
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - run: |
          ${comment}
`,
    });
    world.runner.github.addRepository('acme/infra');
    world.runner.github.seedIssue('acme/infra', { title: 'Plan' });
    const report = await world.run(CI);
    expect(report.job('reader').steps[0]!.log).toBe('403');
    expect(report.job('writer').steps[0]!.log).toBe('201');
    expect(report.requests).toEqual([
      { job: 'reader', method: 'POST', path: '/repos/acme/infra/issues/1/comments', status: 403 },
      { job: 'writer', method: 'POST', path: '/repos/acme/infra/issues/1/comments', status: 201 },
    ]);
    expect(world.runner.github.comments('acme/infra', 1).map((c) => c.user?.login)).toEqual(['github-actions[bot]']);
  });

  test('id-token: write gives the job the OIDC request variables; without it they are unset', async () => {
    // "The job or workflow run requires a permissions setting with id-token: write to allow
    // GitHub's OIDC provider to create a JSON Web Token for every run."
    const show = 'echo "url=${ACTIONS_ID_TOKEN_REQUEST_URL:+set} token=${ACTIONS_ID_TOKEN_REQUEST_TOKEN:+set}"';
    world = await workflowWorld({
      [CI]: `
on: push
jobs:
  with-oidc:
    runs-on: ubuntu-latest
    environment: prod
    permissions:
      id-token: write
    steps:
      - run: '${show}'
      - run: |
          curl -s -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" \\
            | jq -r .value | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r '.sub + " " + .aud'
  without:
    runs-on: ubuntu-latest
    steps:
      - run: '${show}'
`,
    });
    const report = await world.run(CI);
    expect(report.job('with-oidc').steps.map((s) => s.log)).toEqual([
      'url=set token=set',
      'repo:acme/infra:environment:prod sts.amazonaws.com',
    ]);
    expect(report.job('without').steps[0]!.log).toBe('url= token=');
  });
});
