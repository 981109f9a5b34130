import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type TestContext } from 'vitest';
import {
  authenticatePlanBundle,
  decryptPlanBundle,
  readPlanBundle,
  writePlanBundle,
  type PlanBundleInput,
  type PlanBundleSource,
} from './plan-bundle.ts';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';
import { actionError } from '../../../../test/assertions.ts';

const FIXTURE = path.join(OPENTOFU_FIXTURES, 'equivalence/variables_and_outputs');
// A variable value of the fixture's plan: in clear in plan.json, a secret for all we know.
const VARIABLE_VALUE = 'D92053D5-948A-4E5E-80BF-E53F0DB33EB5';
const KEY = 'plan-encryption-key-0123456789';

const SOURCE: PlanBundleSource = {
  planDigest: 'sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b',
  commitSha: '3f786850e387550fdab836ed7e6dc881de23001b',
  pullRequest: 42,
  workingDirectory: 'infra/prod',
  workspace: 'default',
  tool: 'tofu',
  toolVersion: '1.10.6',
  runId: 16000000001,
  runAttempt: 1,
  repository: 'octo-org/infra',
  createdAt: '2026-01-15T10:00:00.000Z',
};

async function setup(t: TestContext) {
  const root = await mkdtemp(path.join(tmpdir(), 'plan-bundle-'));
  t.onTestFinished(() => rm(root, { recursive: true, force: true }));
  // A saved plan is a zip; any bytes do here, and they must come back exactly.
  const planBytes = randomBytes(50_000);
  const planFile = path.join(root, 'tfplan');
  await writeFile(planFile, planBytes);
  const input: PlanBundleInput = {
    planFile,
    jsonPlanText: await readFile(path.join(FIXTURE, 'plan.json'), 'utf8'),
    textPlan: await readFile(path.join(FIXTURE, 'plan'), 'utf8'),
    meta: SOURCE,
  };
  return { root, dir: path.join(root, 'bundle'), planBytes, input };
}

test('a clear bundle holds the plan, its JSON, its text and metadata, and reads back intact', async (t) => {
  const { dir, planBytes, input } = await setup(t);
  const written = await writePlanBundle(dir, input);

  assert.deepEqual((await readdir(dir)).sort(), ['metadata.json', 'plan.json', 'plan.tfplan', 'plan.txt']);
  assert.deepEqual(await readFile(written.paths.plan), planBytes);
  assert.equal(await readFile(written.paths.json, 'utf8'), input.jsonPlanText);
  assert.equal(await readFile(written.paths.text, 'utf8'), input.textPlan);
  const onDisk = JSON.parse(await readFile(written.paths.metadata, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(onDisk, written.metadata);
  assert.deepEqual(Object.keys(written.metadata.files).sort(), ['plan.json', 'plan.tfplan', 'plan.txt']);
  assert.equal(written.metadata.formatVersion, 2);
  assert.equal(written.metadata.authentication, undefined, 'no key, no MAC');
  assert.equal(written.metadata.encrypted, false);
  assert.equal(written.metadata.pullRequest, 42);
  assert.equal(written.metadata.planDigest, SOURCE.planDigest);

  const read = await readPlanBundle(dir);
  assert.deepEqual(read, { metadata: written.metadata, problems: [] });
  // Nothing to decrypt: the bundle's own files.
  assert.deepEqual(await decryptPlanBundle(dir, '', path.join(dir, '..', 'clear')), {
    plan: written.paths.plan,
    json: written.paths.json,
  });
});

test('with a key the plan and its JSON are stored encrypted, the text in clear; only that key opens them', async (t) => {
  const { root, dir, planBytes, input } = await setup(t);
  const written = await writePlanBundle(dir, { ...input, encryptionKey: KEY });

  assert.deepEqual((await readdir(dir)).sort(), ['metadata.json', 'plan.json.enc', 'plan.tfplan.enc', 'plan.txt']);
  assert.equal(written.metadata.encrypted, true);
  assert.equal((await readFile(written.paths.json)).includes(VARIABLE_VALUE), false);
  assert.equal(input.jsonPlanText.includes(VARIABLE_VALUE), true, 'the fixture does hold the value');
  assert.equal((await readFile(written.paths.plan)).includes(planBytes.subarray(0, 64)), false);
  assert.equal(await readFile(written.paths.text, 'utf8'), input.textPlan);
  assert.deepEqual((await readPlanBundle(dir)).problems, []);

  await assert.rejects(
    decryptPlanBundle(dir, 'another key', path.join(root, 'wrong')),
    actionError('plan-decryption-failed', /encryption key does not match/),
  );
  await assert.rejects(
    decryptPlanBundle(dir, '', path.join(root, 'none')),
    actionError('plan-decryption-failed', /no encryption key was given/),
  );
  const clear = await decryptPlanBundle(dir, KEY, path.join(root, 'clear'));
  assert.deepEqual(await readFile(clear.plan), planBytes);
  assert.equal(await readFile(clear.json, 'utf8'), input.jsonPlanText);
  assert.equal(path.dirname(clear.plan), path.join(root, 'clear'));
});

test('an altered, a missing and an extra file are each a problem', async (t) => {
  const { dir, input } = await setup(t);
  await writePlanBundle(dir, { ...input, encryptionKey: KEY });

  const json = await readFile(path.join(dir, 'plan.json.enc'));
  json[json.length - 1] = json[json.length - 1]! ^ 0xff;
  await writeFile(path.join(dir, 'plan.json.enc'), json);
  await unlink(path.join(dir, 'plan.txt'));
  await writeFile(path.join(dir, 'plan.tfplan'), 'a clear plan slipped in');

  const { problems } = await readPlanBundle(dir);
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems[0]!, /^plan\.json\.enc was altered: its SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}\.$/);
  assert.equal(problems[1], 'plan.txt is missing.');
  assert.equal(problems[2], 'plan.tfplan is not part of the plan bundle.');
});

test('the plan text altered in a clear bundle is a problem too', async (t) => {
  const { dir, input } = await setup(t);
  await writePlanBundle(dir, input);
  await writeFile(path.join(dir, 'plan.txt'), input.textPlan.replace('Changes to Outputs', 'No changes'));
  assert.deepEqual(
    (await readPlanBundle(dir)).problems.map((p) => p.split(':')[0]),
    ['plan.txt was altered'],
  );
});

test('a bundle without usable metadata is refused as tampered, a newer format as unsupported', async (t) => {
  const { dir, input } = await setup(t);
  const { paths, metadata } = await writePlanBundle(dir, input);

  const rewrite = (value: unknown) => writeFile(paths.metadata, JSON.stringify(value));
  await rewrite({ ...metadata, files: { ...metadata.files, '../../etc/passwd': { sha256: '0'.repeat(64) } } });
  await assert.rejects(
    readPlanBundle(dir),
    actionError('plan-tampered', /files lists \.\.\/\.\.\/etc\/passwd, plan\.json/),
  );
  await rewrite({ ...metadata, runId: '1' });
  await assert.rejects(readPlanBundle(dir), actionError('plan-tampered', /runId or runAttempt is not a number/));
  await writeFile(paths.metadata, '{ not json');
  await assert.rejects(
    readPlanBundle(dir),
    actionError('plan-tampered', /metadata\.json is malformed: it is not a JSON object/),
  );
  await rewrite({ ...metadata, formatVersion: 3 });
  await assert.rejects(
    readPlanBundle(dir),
    actionError('plan-bundle-unsupported', /format version 3, newer.*same iac-actions version/),
  );
  // Format 1 had no MAC and a createdAt tf-apply cannot check: plan again.
  await rewrite({ ...metadata, formatVersion: 1 });
  await assert.rejects(readPlanBundle(dir), actionError('plan-bundle-unsupported', /format version 1, older/));
  await unlink(paths.metadata);
  await assert.rejects(readPlanBundle(dir), actionError('plan-tampered', /has no metadata\.json/));
  await assert.rejects(decryptPlanBundle(dir, KEY, dir), actionError('plan-tampered', /has no metadata\.json/));
});

test('a bundle is written into an empty directory only', async (t) => {
  const { dir, input } = await setup(t);
  await writePlanBundle(dir, input);
  await assert.rejects(writePlanBundle(dir, input), /is not empty: metadata\.json, plan\.json/);
});

test('with a key, metadata.json and every file hash are authenticated as one unit', async (t) => {
  const { dir, input } = await setup(t);
  const { paths, metadata } = await writePlanBundle(dir, { ...input, encryptionKey: KEY });
  expect(metadata.authentication).toMatchObject({
    algorithm: 'HMAC-SHA-256/scrypt',
    mac: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect(await authenticatePlanBundle(metadata, KEY)).toBe(true);
  // Without a key nothing is authenticated, and an encrypted bundle cannot be used.
  await expect(authenticatePlanBundle(metadata, '')).rejects.toMatchObject({ reason: 'plan-decryption-failed' });

  // Every field rewritten, each file hash recomputed as an attacker would: the MAC fails.
  const rewrites: Partial<PlanBundleSource & { files: unknown }>[] = [
    { commitSha: 'f'.repeat(40) },
    { workspace: 'staging' },
    { workingDirectory: 'infra/dev' },
    { createdAt: new Date().toISOString() },
    { planDigest: 'e'.repeat(64) },
    { repository: 'octo-org/other' },
    { tool: 'terraform' },
    { toolVersion: '1.11.4' },
    { pullRequest: 43 },
    { files: { ...metadata.files, 'plan.tfplan.enc': { sha256: 'a'.repeat(64) } } },
  ];
  for (const change of rewrites) {
    await expect(
      authenticatePlanBundle({ ...metadata, ...change } as typeof metadata, KEY),
      JSON.stringify(change),
    ).rejects.toMatchObject({ reason: 'plan-tampered', message: expect.stringMatching(/fails its authentication/) });
  }
  // An added field is covered too.
  await expect(authenticatePlanBundle({ ...metadata, note: 'x' } as typeof metadata, KEY)).rejects.toMatchObject({
    reason: 'plan-tampered',
  });
  // Downgrades: the MAC removed, or the bundle relabelled clear.
  const { authentication: _, ...unsigned } = metadata;
  await expect(authenticatePlanBundle(unsigned, KEY)).rejects.toMatchObject({
    reason: 'plan-tampered',
    message: expect.stringMatching(/`plan-encryption-key` is set, and the plan bundle is not authenticated/),
  });
  await expect(authenticatePlanBundle({ ...unsigned, encrypted: false }, KEY)).rejects.toMatchObject({
    reason: 'plan-tampered',
    message: expect.stringMatching(/is not encrypted/),
  });
  // A wrong key is told apart from tampering.
  await expect(authenticatePlanBundle(metadata, 'another key')).rejects.toMatchObject({
    reason: 'plan-decryption-failed',
    message: expect.stringMatching(/encryption key does not match/),
  });
  // The MAC as written on disk verifies (canonical form, not the writer's key order).
  const onDisk = JSON.parse(await readFile(paths.metadata, 'utf8')) as typeof metadata;
  const reordered = Object.fromEntries(Object.entries(onDisk).reverse()) as typeof metadata;
  expect(Object.keys(reordered)[0]).toBe('authentication');
  expect(await authenticatePlanBundle(reordered, KEY)).toBe(true);
});

test('a file swapped for another encrypted with the same key is refused even with its hash recomputed', async (t) => {
  const { root, dir, input } = await setup(t);
  const { paths, metadata } = await writePlanBundle(dir, { ...input, encryptionKey: KEY });
  const other = await writePlanBundle(path.join(root, 'other'), { ...input, encryptionKey: KEY });
  await writeFile(paths.plan, await readFile(other.paths.plan));
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256')
    .update(await readFile(paths.plan))
    .digest('hex');
  const rewritten = { ...metadata, files: { ...metadata.files, 'plan.tfplan.enc': { sha256: sha } } };
  await writeFile(paths.metadata, JSON.stringify(rewritten));
  expect((await readPlanBundle(dir)).problems).toEqual([]);
  await expect(authenticatePlanBundle(rewritten, KEY)).rejects.toMatchObject({ reason: 'plan-tampered' });
  await expect(decryptPlanBundle(dir, KEY, path.join(root, 'clear'))).rejects.toMatchObject({
    reason: 'plan-tampered',
  });
});
