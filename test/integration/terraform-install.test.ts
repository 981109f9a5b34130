import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import * as tc from '@actions/tool-cache';
import { currentPlatform, setupTerraform, type InstallEdges } from '@iac-actions/shared/terraform/install.ts';
import { startReleaseMirror, type ReleaseMirror } from '../services/release-mirror.ts';
import { actionError } from '../assertions.ts';

// Installing through a real HTTP mirror on loopback, with real zip archives,
// SHA256SUMS and OpenPGP signatures made with a test key; the real tool cache
// in a temp RUNNER_TOOL_CACHE, and real `unzip`.

const platform = currentPlatform();
const noBinaryOnPath: Partial<InstallEdges> = { which: async () => undefined };

/** The version a binary reports, by running it. */
function reportedVersion(binaryPath: string): string {
  return JSON.parse(execFileSync(binaryPath, ['version', '-json'], { encoding: 'utf8' })).terraform_version;
}

describe('setupTerraform against a release mirror', { skip: process.platform === 'win32' }, () => {
  const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP, path: process.env.PATH };
  let scratch: string;
  let toolCache: string;
  let publicKey: string;
  let terraform: ReleaseMirror;
  let tofu: ReleaseMirror;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'terraform-install-'));
    toolCache = path.join(scratch, 'tool-cache');
    process.env.RUNNER_TOOL_CACHE = toolCache;
    process.env.RUNNER_TEMP = path.join(scratch, 'runner-temp');
    mkdirSync(process.env.RUNNER_TEMP);
    const key = await openpgp.generateKey({
      userIDs: [{ name: 'Test Release Signing', email: 'releases@example.test' }],
      format: 'armored',
    });
    publicKey = key.publicKey;
    terraform = await startReleaseMirror({
      tool: 'terraform',
      versions: ['1.5.7', '1.6.0', '1.6.6', '1.7.5', '1.9.2', '1.10.1', '1.11.0-beta1', '2.0.0'],
      built: ['1.6.0', '1.6.6', '1.7.5', '1.9.2', '1.10.1'],
      platform,
      signingKey: key.privateKey,
    });
    tofu = await startReleaseMirror({
      tool: 'tofu',
      versions: ['1.7.3', '1.8.0', '1.8.5'],
      built: ['1.8.5'],
      platform,
      signingKey: key.privateKey,
    });
  });

  afterAll(async () => {
    await terraform.close();
    await tofu.close();
    process.env.RUNNER_TOOL_CACHE = saved.cache;
    process.env.RUNNER_TEMP = saved.temp;
    process.env.PATH = saved.path;
    rmSync(scratch, { recursive: true, force: true });
  });

  function workingDirectory(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(scratch, 'stack-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  const setup = (versionInput: string, dir = workingDirectory({})) =>
    setupTerraform({
      tool: 'terraform',
      versionInput,
      workingDirectory: dir,
      workspaceRoot: dir,
      mirrorUrl: terraform.url,
      publicKeys: [publicKey],
      edges: noBinaryOnPath,
    });

  it('downloads, verifies and caches an exact version, without reading the index', async () => {
    const result = await setup('1.6.6');
    assert.equal(result.source, 'download');
    assert.equal(result.version, '1.6.6');
    assert.ok(result.binaryPath.startsWith(toolCache), result.binaryPath);
    assert.equal(reportedVersion(result.binaryPath), '1.6.6');
    assert.equal(terraform.app.hits(terraform.paths('1.6.6').archive), 1);
    assert.equal(terraform.app.hits(terraform.indexPath), 0);
  });

  it('uses the tool cache the second time: no archive, checksum or signature is requested', async () => {
    const before = terraform.app.requests.length;
    const result = await setup('= 1.6.6');
    assert.equal(result.source, 'cache');
    assert.equal(reportedVersion(result.binaryPath), '1.6.6');
    assert.equal(terraform.app.requests.length, before);
    assert.equal(terraform.app.hits(terraform.paths('1.6.6').archive), 1);
  });

  it('resolves required_version `~> 1.6` through the index to the highest stable 1.x', async () => {
    const dir = workingDirectory({
      'versions.tf': 'terraform {\n  required_version = "~> 1.6"\n}\n',
      'main.tf': 'resource "terraform_data" "x" {}\n',
    });
    const result = await setup('', dir);
    assert.equal(result.version, '1.10.1');
    assert.equal(result.constraint, '~> 1.6');
    assert.equal(result.constraintSource, 'required_version in versions.tf');
    assert.equal(result.source, 'download');
    assert.equal(reportedVersion(result.binaryPath), '1.10.1');
    assert.equal(terraform.app.hits(terraform.indexPath), 1);
  });

  it('refuses an archive whose SHA-256 is not the signed one, and caches nothing', async () => {
    const { archive } = terraform.paths('1.9.2');
    terraform.replace(archive, Buffer.concat([terraform.body(archive), Buffer.from('tampered')]));
    await assert.rejects(setup('1.9.2'), actionError('checksum-mismatch', /SHA-256 of terraform_1\.9\.2_.*\.zip/));
    assert.equal(tc.find('terraform', '1.9.2', platform.arch), '');
    assert.equal(existsSync(path.join(toolCache, 'terraform', '1.9.2')), false);
  });

  it('refuses a checksum file whose signature does not verify, before downloading the archive', async () => {
    const { sums, archive } = terraform.paths('1.6.0');
    terraform.replace(
      sums,
      terraform
        .body(sums)
        .toString()
        // Flip the first digit of each checksum (never a no-op, whatever the digit was).
        .replace(/^[0-9a-f]/gm, (digit) => (digit === '0' ? '1' : '0')),
    );
    await assert.rejects(setup('1.6.0'), actionError('signature-invalid', /signature of terraform_1\.6\.0_SHA256SUMS/));
    assert.equal(terraform.app.hits(archive), 0);
    assert.equal(tc.find('terraform', '1.6.0', platform.arch), '');
  });

  it("refuses files signed by another key than HashiCorp's by default", async () => {
    const dir = workingDirectory({});
    await assert.rejects(
      setupTerraform({
        tool: 'terraform',
        versionInput: '1.7.5',
        workingDirectory: dir,
        workspaceRoot: dir,
        mirrorUrl: terraform.url,
        edges: noBinaryOnPath,
      }),
      actionError('signature-invalid', /HashiCorp's release key 34365D9472D7468F/),
    );
    assert.equal(terraform.app.hits(terraform.paths('1.7.5').archive), 0);
  });

  it('says which file is missing when the mirror does not hold the version', async () => {
    await assert.rejects(
      setup('1.5.7'),
      actionError('install-failed', /Could not download the checksum file from .*\/terraform\/1\.5\.7\/.*HTTP 404/),
    );
  });

  it('uses a binary on PATH that satisfies the constraint, with no request at all', async () => {
    const bin = mkdtempSync(path.join(scratch, 'bin-'));
    const script = path.join(bin, 'terraform');
    writeFileSync(script, `#!/bin/sh\necho '{"terraform_version":"1.7.3","platform":"linux_amd64"}'\n`);
    chmodSync(script, 0o755);
    process.env.PATH = `${bin}${path.delimiter}${saved.path}`;
    try {
      const before = terraform.app.requests.length;
      const dir = workingDirectory({});
      const options = {
        tool: 'terraform' as const,
        workingDirectory: dir,
        workspaceRoot: dir,
        mirrorUrl: terraform.url,
      };
      const used = await setupTerraform({ ...options, versionInput: '~> 1.7.0', publicKeys: [publicKey] });
      assert.deepEqual(
        { source: used.source, binaryPath: used.binaryPath, version: used.version },
        { source: 'path', binaryPath: script, version: '1.7.3' },
      );
      assert.equal(terraform.app.requests.length, before);

      const other = await setupTerraform({ ...options, versionInput: '~> 1.6.0', publicKeys: [publicKey] });
      assert.equal(other.source, 'cache');
      assert.equal(other.version, '1.6.6');
    } finally {
      process.env.PATH = saved.path;
    }
  });

  it('installs OpenTofu from its layout, with the version from .opentofu-version in a parent directory', async () => {
    const root = workingDirectory({ '.opentofu-version': '1.8.5\n' });
    const stack = path.join(root, 'stacks', 'network');
    mkdirSync(stack, { recursive: true });
    const result = await setupTerraform({
      tool: 'tofu',
      workingDirectory: stack,
      workspaceRoot: root,
      mirrorUrl: `${tofu.url}/`,
      publicKeys: [publicKey],
      edges: noBinaryOnPath,
    });
    assert.equal(result.source, 'download');
    assert.equal(result.constraintSource, '.opentofu-version');
    assert.equal(reportedVersion(result.binaryPath), '1.8.5');
    assert.equal(path.basename(result.binaryPath), 'tofu');
    assert.equal(tofu.app.hits(tofu.paths('1.8.5').signature), 1);
  });

  it('resolves a tofu range against the OpenTofu index shape', async () => {
    const result = await setupTerraform({
      tool: 'tofu',
      versionInput: '>= 1.8, < 1.9',
      workingDirectory: scratch,
      workspaceRoot: scratch,
      mirrorUrl: tofu.url,
      publicKeys: [publicKey],
      edges: noBinaryOnPath,
    });
    assert.equal(result.version, '1.8.5');
    assert.equal(result.source, 'cache');
    assert.equal(tofu.app.hits(tofu.indexPath), 1);
  });

  it('sends mirror-url credentials as a header, never in a URL or a message', async () => {
    const key = await openpgp.generateKey({
      userIDs: [{ name: 'Auth Mirror', email: 'a@example.test' }],
      format: 'armored',
    });
    const mirror = await startReleaseMirror({
      tool: 'terraform',
      versions: ['1.8.0'],
      built: ['1.8.0'],
      platform,
      signingKey: key.privateKey,
    });
    try {
      const withCredentials = mirror.url.replace('http://', 'http://ci-reader:Mirror%2FPa55word@');
      const dir = workingDirectory({});
      const options = {
        tool: 'terraform' as const,
        workingDirectory: dir,
        workspaceRoot: dir,
        mirrorUrl: withCredentials,
        publicKeys: [key.publicKey],
        edges: noBinaryOnPath,
      };
      const result = await setupTerraform({ ...options, versionInput: '~> 1.8.0' });
      assert.equal(reportedVersion(result.binaryPath), '1.8.0');
      const expected = `Basic ${Buffer.from('ci-reader:Mirror/Pa55word').toString('base64')}`;
      assert.ok(mirror.app.requests.length >= 4);
      for (const request of mirror.app.requests) assert.equal(request.headers.authorization, expected, request.path);
      await assert.rejects(setupTerraform({ ...options, versionInput: '1.8.1' }), (error: Error) => {
        actionError('install-failed', /from http:\/\/127\.0\.0\.1:\d+\/terraform\/1\.8\.1\//)(error);
        assert.ok(!/ci-reader|Pa55word/.test(error.message), error.message);
        return true;
      });
    } finally {
      await mirror.close();
    }
  });

  it('checks the version of a binary on PATH, and unzips, without the step inputs or runtime token', async () => {
    const bin = mkdtempSync(path.join(scratch, 'bin-env-'));
    const seen = path.join(bin, 'seen');
    mkdirSync(seen);
    // Each program writes the environment it got, then does its work.
    writeFileSync(
      path.join(bin, 'terraform'),
      `#!/bin/sh\nenv > '${seen}/terraform'\necho '{"terraform_version":"1.7.3"}'\n`,
    );
    writeFileSync(path.join(bin, 'unzip'), `#!/bin/sh\nenv > '${seen}/unzip'\nexec /usr/bin/unzip "$@"\n`);
    chmodSync(path.join(bin, 'terraform'), 0o755);
    chmodSync(path.join(bin, 'unzip'), 0o755);
    const env = {
      PATH: process.env.PATH,
      INPUT_VARIABLES: process.env.INPUT_VARIABLES,
      ACTIONS_RUNTIME_TOKEN: process.env.ACTIONS_RUNTIME_TOKEN,
    };
    process.env.PATH = `${bin}${path.delimiter}${saved.path}`;
    process.env.INPUT_VARIABLES = 'db_password: not-for-children';
    process.env.ACTIONS_RUNTIME_TOKEN = 'runtime-token-not-for-children';
    try {
      const dir = workingDirectory({});
      // 1.7.3 on PATH does not satisfy 1.7.5: checked, then 1.7.5 is downloaded and unzipped.
      const result = await setupTerraform({
        tool: 'terraform',
        versionInput: '1.7.5',
        workingDirectory: dir,
        workspaceRoot: dir,
        mirrorUrl: terraform.url,
        publicKeys: [publicKey],
      });
      assert.equal(result.version, '1.7.5');
      for (const program of ['terraform', 'unzip']) {
        const text = readFileSync(path.join(seen, program), 'utf8');
        assert.match(text, /^PATH=/m, `${program} ran with the environment`);
        assert.doesNotMatch(text, /^INPUT_|^ACTIONS_RUNTIME_TOKEN=|not-for-children/m, program);
      }
    } finally {
      for (const [name, value] of Object.entries(env)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });
});
