import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, test, type TestContext } from 'vitest';
import {
  decryptPlanBundle,
  readPlanBundle,
  writePlanBundle,
  type PlanBundleSource,
} from '@iac-actions/shared/terraform/plan-bundle.ts';
import { startArtifactServiceFake, type ArtifactJob } from '../fakes/artifact-service.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake } from '../fakes/github-api.ts';
import { actionError } from '../assertions.ts';
import { useEnv } from '../process-env.ts';

// A plan bundle from tf-plan to tf-apply through the real @actions/artifact
// client, against the artifact service fake (this run's artifacts) and the
// GitHub API fake (another run's). @actions/github reads GITHUB_API_URL once,
// when it loads: the GitHub fake starts first and plan-artifact.ts is
// imported after the variable is set.

const REPO = 'octo-org/infra';
const github = await startGitHubApiFake({ repositories: [REPO] });
afterAll(() => github.close());
process.env.GITHUB_API_URL = github.url;
const { downloadPlanBundle, planArtifactName, uploadPlanBundle } =
  await import('@iac-actions/shared/github/plan-artifact.ts');

const KEY = 'a-plan-encryption-key';
const NAME = planArtifactName({ workingDirectory: 'infra/prod', workspace: 'default' });

async function setup(t: TestContext) {
  const artifacts = await startArtifactServiceFake();
  t.onTestFinished(() => artifacts.close());
  // The client refuses GHES, which it recognises by any other server URL.
  useEnv(t, { ...artifacts.env(), GITHUB_SERVER_URL: 'https://github.com' });
  const root = await mkdtemp(path.join(tmpdir(), 'plan-artifact-'));
  t.onTestFinished(() => rm(root, { recursive: true, force: true }));

  const planBytes = randomBytes(200_000);
  await writeFile(path.join(root, 'tfplan'), planBytes);
  const source: PlanBundleSource = {
    planDigest: 'sha256:0f1e2d',
    commitSha: 'a'.repeat(40),
    pullRequest: 7,
    workingDirectory: 'infra/prod',
    workspace: 'default',
    tool: 'terraform',
    toolVersion: '1.9.8',
    runId: 1,
    runAttempt: 1,
    repository: REPO,
    createdAt: new Date().toISOString(),
  };
  const writeBundle = (dir: string, textPlan = 'Plan: 1 to add, 0 to change, 0 to destroy.\n') =>
    writePlanBundle(path.join(root, dir), {
      planFile: path.join(root, 'tfplan'),
      jsonPlanText: '{"format_version":"1.2","variables":{"db_password":{"value":"hunter2"}}}',
      textPlan,
      meta: source,
      encryptionKey: KEY,
    });
  /** A later job of the same run, as tf-apply would be. */
  const laterJob = (): ArtifactJob => ({ ...artifacts.defaultJob, workflowJobRunBackendId: randomUUID() });
  return { artifacts, root, planBytes, writeBundle, laterJob };
}

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n))] as const)));
}

test('a plan bundle comes back byte for byte in a later job of the run, intact, and opens with its key', async (t) => {
  const { artifacts, root, planBytes, writeBundle, laterJob } = await setup(t);
  const bundle = await writeBundle('bundle');
  const uploaded = await uploadPlanBundle(NAME, bundle.dir, { retentionDays: 5 });
  const stored = artifacts.artifact(NAME);
  assert.equal(uploaded.id, stored?.id);
  assert.equal(uploaded.size, stored?.content?.length);
  assert.ok(stored?.expiresAt, 'the retention reached the service');

  useEnv(t, artifacts.env(laterJob()));
  const dir = await downloadPlanBundle({ name: NAME, destination: path.join(root, 'downloaded') });
  assert.equal(dir, path.join(root, 'downloaded'));
  assert.deepEqual(await filesOf(dir), await filesOf(bundle.dir));
  const read = await readPlanBundle(dir);
  assert.deepEqual(read.problems, []);
  assert.deepEqual(read.metadata, bundle.metadata);
  const clear = await decryptPlanBundle(dir, KEY, path.join(root, 'clear'));
  assert.deepEqual(await readFile(clear.plan), planBytes);
  assert.match(await readFile(clear.json, 'utf8'), /hunter2/);
});

test("another run's plan is downloaded by run id through the GitHub API", async (t) => {
  const { artifacts, root, writeBundle } = await setup(t);
  const bundle = await writeBundle('bundle');
  await uploadPlanBundle(NAME, bundle.dir);
  const planRun = github.seedWorkflowRun(REPO, { event: 'pull_request' });
  artifacts.publishToGitHub(github, REPO, { name: NAME, runId: planRun.id });

  useEnv(t, artifacts.env(artifacts.newJob()));
  const dir = await downloadPlanBundle({
    name: NAME,
    destination: path.join(root, 'downloaded'),
    runId: planRun.id,
    repository: REPO,
    token: FAKE_GITHUB_TOKEN,
  });
  assert.deepEqual(await filesOf(dir), await filesOf(bundle.dir));
  assert.deepEqual((await readPlanBundle(dir)).problems, []);
});

test('a plan artifact that does not exist is a clear artifact-not-found', async (t) => {
  const { root } = await setup(t);
  const destination = path.join(root, 'downloaded');
  await assert.rejects(
    downloadPlanBundle({ name: NAME, destination }),
    actionError(
      'artifact-not-found',
      /^No plan artifact 'tfplan-infra-prod-[0-9a-f]{8}-default' in this workflow run\. Did tf-plan run earlier in this run/,
    ),
  );
  const run = github.seedWorkflowRun(REPO);
  const other = { name: NAME, destination, repository: REPO, token: FAKE_GITHUB_TOKEN };
  await assert.rejects(
    downloadPlanBundle({ ...other, runId: run.id }),
    actionError(
      'artifact-not-found',
      new RegExp(`^No plan artifact '.*' in run ${run.id} of ${REPO}\\. It may have expired`),
    ),
  );
  await assert.rejects(
    downloadPlanBundle({ ...other, runId: 999_999_999 }),
    actionError(
      'artifact-not-found',
      /^Workflow run 999999999 of octo-org\/infra was not found, or the token cannot see it/,
    ),
  );
  await assert.rejects(
    downloadPlanBundle({ ...other, runId: run.id, token: 'ghs_notAToken' }),
    actionError('artifact-download-failed', /The token needs the `actions: read` permission\.$/),
  );
});

test('a 503 on CreateArtifact and on the block upload is retried, and the upload succeeds', async (t) => {
  const { artifacts, root, writeBundle } = await setup(t);
  artifacts.injectFault('CreateArtifact', { kind: 'status', status: 503 });
  artifacts.injectFault('PutBlock', { kind: 'status', status: 503 });
  const bundle = await writeBundle('bundle');
  const { id } = await uploadPlanBundle(NAME, bundle.dir);

  assert.deepEqual(
    artifacts.requests.map((r) => `${r.operation} ${r.status}`),
    [
      'CreateArtifact 503',
      'CreateArtifact 200',
      'PutBlock 503',
      'PutBlock 201',
      'PutBlockList 201',
      'FinalizeArtifact 200',
    ],
  );
  assert.equal(artifacts.artifact(NAME)?.id, id);
  const dir = await downloadPlanBundle({ name: NAME, destination: path.join(root, 'downloaded') });
  assert.deepEqual(await filesOf(dir), await filesOf(bundle.dir));
});

test('an upload the service refuses is artifact-upload-failed; overwrite replaces the plan of a re-run', async (t) => {
  const { artifacts, root, writeBundle } = await setup(t);
  const first = await writeBundle('first', 'Plan: 1 to add.\n');
  await uploadPlanBundle(NAME, first.dir);
  const second = await writeBundle('second', 'Plan: 2 to add.\n');

  await assert.rejects(
    uploadPlanBundle(NAME, second.dir),
    actionError(
      'artifact-upload-failed',
      /^Could not upload the plan as artifact '.*': .*an artifact with this name already exists/,
    ),
  );
  artifacts.injectFault('CreateArtifact', { kind: 'status', status: 403, message: 'the job is not allowed to upload' });
  await assert.rejects(
    uploadPlanBundle(NAME, second.dir, { overwrite: true }),
    actionError('artifact-upload-failed', /\(403\) Forbidden: the job is not allowed to upload/),
  );

  await uploadPlanBundle(NAME, second.dir, { overwrite: true });
  assert.equal(artifacts.artifacts().length, 1);
  const dir = await downloadPlanBundle({ name: NAME, destination: path.join(root, 'downloaded') });
  assert.equal(await readFile(path.join(dir, 'plan.txt'), 'utf8'), 'Plan: 2 to add.\n');
});

test('a zip that does not match the digest recorded at upload is refused as tampered', async (t) => {
  const { artifacts, root, writeBundle } = await setup(t);
  const bundle = await writeBundle('bundle');
  await uploadPlanBundle(NAME, bundle.dir);
  // The recorded digest stands for the zip as uploaded; any other zip misses it.
  artifacts.artifact(NAME)!.digest = `sha256:${'0'.repeat(64)}`;

  await assert.rejects(
    downloadPlanBundle({ name: NAME, destination: path.join(root, 'downloaded') }),
    actionError('plan-tampered', /does not match the digest recorded when it was uploaded/),
  );
});
