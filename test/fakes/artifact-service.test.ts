import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, test, type TestContext } from 'vitest';
import { startArtifactServiceFake, type ArtifactJob, type ArtifactServiceFake } from './artifact-service.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake } from './github-api.ts';
import { useEnv } from '../process-env.ts';

// The fake, exercised through the real @actions/artifact client. The client
// reads ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL at each call, but
// GITHUB_API_URL (for another run's artifacts) once, when @actions/github
// loads: the GitHub fake starts and the variable is set before the client is
// imported.

const REPO = 'octo-org/infra';
const github = await startGitHubApiFake({ repositories: [REPO] });
afterAll(() => github.close());
process.env.GITHUB_API_URL = github.url;
const { ArtifactNotFoundError, DefaultArtifactClient } = await import('@actions/artifact');
const client = new DefaultArtifactClient();

async function setup(t: TestContext) {
  const fake = await startArtifactServiceFake();
  t.onTestFinished(() => fake.close());
  // The client refuses GHES, which it recognises by any other server URL.
  useEnv(t, { ...fake.env(), GITHUB_SERVER_URL: 'https://github.com' });
  const root = await mkdtemp(path.join(tmpdir(), 'artifact-service-'));
  t.onTestFinished(() => rm(root, { recursive: true, force: true }));
  return { fake, root };
}

/** A directory of files to upload; returns their paths. */
async function files(dir: string, contents: Record<string, Uint8Array | string>): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return Promise.all(
    Object.entries(contents).map(async ([name, content]) => {
      await writeFile(path.join(dir, name), content);
      return path.join(dir, name);
    }),
  );
}

async function readAll(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n))] as const)));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const outcomes = (fake: ArtifactServiceFake, operation: Parameters<ArtifactServiceFake['requestsTo']>[0]) =>
  fake.requestsTo(operation).map((r) => r.status ?? r.fault);

test('the real client uploads, finds and downloads an artifact, byte for byte, in blocks', async (t) => {
  const { fake, root } = await setup(t);
  // Random bytes do not compress: the zip is over 8 MiB, the client's block size, so two blocks.
  const contents = { 'plan.tfplan': randomBytes(9 * 1024 * 1024), 'plan.txt': 'No changes.\n' };
  const uploaded = await client.uploadArtifact(
    'tfplan',
    await files(path.join(root, 'in'), contents),
    path.join(root, 'in'),
  );

  assert.deepEqual(outcomes(fake, 'PutBlock'), [201, 201]);
  assert.deepEqual(outcomes(fake, 'PutBlockList'), [201]);
  const stored = fake.artifact('tfplan');
  assert.ok(stored?.content);
  assert.equal(uploaded.id, stored.id);
  assert.equal(uploaded.size, stored.content.length);
  assert.equal(uploaded.digest, sha256(stored.content));
  assert.equal(stored.digest, `sha256:${uploaded.digest}`);
  assert.equal(stored.contentType, 'application/zip');

  const { artifact } = await client.getArtifact('tfplan');
  assert.equal(artifact.id, uploaded.id);
  assert.equal(artifact.size, uploaded.size);
  assert.equal(artifact.digest, `sha256:${uploaded.digest}`);
  assert.deepEqual(
    (await client.listArtifacts()).artifacts.map((a) => a.name),
    ['tfplan'],
  );

  const out = path.join(root, 'out');
  const downloaded = await client.downloadArtifact(artifact.id, { path: out, expectedHash: artifact.digest });
  assert.equal(downloaded.digestMismatch, false);
  assert.deepEqual(await readAll(out), {
    'plan.tfplan': contents['plan.tfplan'],
    'plan.txt': Buffer.from(contents['plan.txt']),
  });
});

test("a run sees only its own artifacts: another run's token lists and finds nothing", async (t) => {
  const { fake, root } = await setup(t);
  const { id } = await client.uploadArtifact(
    'tfplan',
    await files(path.join(root, 'in'), { a: 'a' }),
    path.join(root, 'in'),
  );
  const other: ArtifactJob = fake.newJob();
  useEnv(t, fake.env(other));

  assert.deepEqual((await client.listArtifacts()).artifacts, []);
  await assert.rejects(client.getArtifact('tfplan'), ArtifactNotFoundError);
  await assert.rejects(client.downloadArtifact(id!, { path: path.join(root, 'out') }), /No artifacts found for ID/);
  assert.equal(fake.artifacts(other).length, 0);
  assert.equal(fake.artifacts().length, 1);
});

test('a name is taken once per run until the artifact is deleted', async (t) => {
  const { fake, root } = await setup(t);
  const dir = path.join(root, 'in');
  const first = await client.uploadArtifact('tfplan', await files(dir, { a: 'first' }), dir);
  await assert.rejects(
    client.uploadArtifact('tfplan', await files(dir, { a: 'second' }), dir),
    /\(409\) Conflict: an artifact with this name already exists on the workflow run/,
  );
  assert.equal((await client.deleteArtifact('tfplan')).id, first.id);
  const second = await client.uploadArtifact('tfplan', await files(dir, { a: 'second' }), dir);
  assert.notEqual(second.id, first.id);
  assert.deepEqual(
    fake.artifacts().map((a) => a.id),
    [second.id],
  );
});

test('the service refuses a foreign runtime token, a wrong blob signature and a digest that does not match', async (t) => {
  const { fake } = await setup(t);
  const twirp = (method: string, body: unknown, token = fake.runtimeToken()) =>
    fetch(`${fake.url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const ids = {
    workflow_run_backend_id: fake.defaultJob.workflowRunBackendId,
    workflow_job_run_backend_id: fake.defaultJob.workflowJobRunBackendId,
  };

  const foreign = await startArtifactServiceFake();
  t.onTestFinished(() => foreign.close());
  const refused = await twirp('ListArtifacts', ids, foreign.runtimeToken());
  assert.equal(refused.status, 401);
  assert.deepEqual(await refused.json(), { code: 'unauthenticated', msg: 'the runtime token is missing or invalid' });
  const otherRun = await twirp('ListArtifacts', ids, fake.runtimeToken(fake.newJob()));
  assert.equal(otherRun.status, 403);

  const created = (await (await twirp('CreateArtifact', { ...ids, name: 'x', version: 7 })).json()) as {
    signed_upload_url: string;
  };
  const blob = new URL(created.signed_upload_url);
  const content = Buffer.from('PK not really a zip');
  const put = (url: URL) => fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: content });
  const forged = new URL(blob);
  forged.searchParams.set('sig', 'forged');
  const denied = await put(forged);
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('x-ms-error-code'), 'AuthenticationFailed');
  const stored = await put(blob);
  assert.equal(stored.status, 201);
  assert.equal(stored.headers.get('content-md5'), createHash('md5').update(content).digest('base64'));

  const wrongHash = await twirp('FinalizeArtifact', {
    ...ids,
    name: 'x',
    size: String(content.length),
    hash: `sha256:${sha256(Buffer.from('something else'))}`,
  });
  assert.equal(wrongHash.status, 400);
  assert.match(((await wrongHash.json()) as { msg: string }).msg, /does not match the uploaded blob/);
  const finalized = await twirp('FinalizeArtifact', {
    ...ids,
    name: 'x',
    size: String(content.length),
    hash: `sha256:${sha256(content)}`,
  });
  assert.equal(finalized.status, 200);
  // Once finalized, the upload URL writes no more.
  assert.equal((await put(blob)).status, 403);
});

test('a 503 and a dropped connection on a block upload are retried by the storage SDK', async (t) => {
  const { fake, root } = await setup(t);
  const dir = path.join(root, 'in');
  // One fault per upload: the SDK retries the first failure at once, the second after 4 s.
  fake.injectFault('PutBlock', { kind: 'status', status: 503 });
  await client.uploadArtifact('first', await files(dir, { 'plan.txt': 'first' }), dir);
  fake.injectFault('PutBlock', { kind: 'drop' });
  const { id } = await client.uploadArtifact('second', await files(dir, { 'plan.txt': 'second' }), dir);

  assert.deepEqual(outcomes(fake, 'PutBlock'), [503, 201, 'drop', 201]);
  const out = path.join(root, 'out');
  await client.downloadArtifact(id!, { path: out });
  assert.equal(await readFile(path.join(out, 'plan.txt'), 'utf8'), 'second');
});

test('a 503 on CreateArtifact is retried by the client (after its fixed 3 s backoff)', async (t) => {
  const { fake, root } = await setup(t);
  fake.injectFault('CreateArtifact', { kind: 'status', status: 503 });
  const dir = path.join(root, 'in');
  await client.uploadArtifact('tfplan', await files(dir, { 'plan.txt': 'plan' }), dir);
  assert.deepEqual(outcomes(fake, 'CreateArtifact'), [503, 200]);
  assert.ok(fake.artifact('tfplan'));
});

test('a dropped connection on a Twirp call is not retried: the client fails at once', async (t) => {
  const { fake, root } = await setup(t);
  fake.injectFault('CreateArtifact', { kind: 'drop' });
  const dir = path.join(root, 'in');
  await assert.rejects(
    client.uploadArtifact('tfplan', await files(dir, { 'plan.txt': 'plan' }), dir),
    /Unable to make request: ECONNRESET/,
  );
  assert.deepEqual(outcomes(fake, 'CreateArtifact'), ['drop']);
});

test('an artifact published to the GitHub fake is downloaded from another run by run id', async (t) => {
  const { fake, root } = await setup(t);
  const dir = path.join(root, 'in');
  const contents = { 'plan.json': '{"format_version":"1.2"}' };
  await client.uploadArtifact('tfplan', await files(dir, contents), dir);
  const run = github.seedWorkflowRun(REPO, { event: 'pull_request' });
  const published = fake.publishToGitHub(github, REPO, { name: 'tfplan', runId: run.id });
  assert.equal(published.digest, fake.artifact('tfplan')?.digest);

  // A later run: its own runtime token, the other run's artifact through the REST API.
  useEnv(t, fake.env(fake.newJob()));
  const findBy = {
    token: FAKE_GITHUB_TOKEN,
    workflowRunId: run.id,
    repositoryOwner: 'octo-org',
    repositoryName: 'infra',
  };
  const { artifact } = await client.getArtifact('tfplan', { findBy });
  assert.equal(artifact.id, published.id);
  const out = path.join(root, 'out');
  const result = await client.downloadArtifact(artifact.id, { findBy, path: out, expectedHash: artifact.digest! });
  assert.equal(result.digestMismatch, false);
  assert.deepEqual(await readAll(out), { 'plan.json': Buffer.from(contents['plan.json']) });
  assert.equal(github.requestsTo(`GET /repos/octo-org/infra/actions/artifacts/${published.id}/zip`).length, 1);
});
