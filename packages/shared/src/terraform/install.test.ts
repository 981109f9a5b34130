import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { ActionError } from '../action/action-error.ts';
import {
  parseSha256Sums,
  resolveTerraformVersion,
  setupTerraform,
  verifySignedSums,
  type InstallEdges,
} from './install.ts';

const linux = { os: 'linux', arch: 'amd64' };

function signatureInvalid(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${String(error)}`);
    assert.equal(error.reason, 'signature-invalid');
    assert.match(error.message, message);
    return true;
  };
}

describe('parseSha256Sums', () => {
  it('maps each file name to its lower-case digest and skips other lines', () => {
    const a = 'A'.repeat(64);
    const b = 'b'.repeat(64);
    const sums = parseSha256Sums(
      `${a}  terraform_1.9.8_linux_amd64.zip\n${b} *tofu_1.8.5_darwin_arm64.zip\r\n\nnot a line\n`,
    );
    assert.deepEqual(
      [...sums],
      [
        ['terraform_1.9.8_linux_amd64.zip', 'a'.repeat(64)],
        ['tofu_1.8.5_darwin_arm64.zip', b],
      ],
    );
  });
});

describe('verifySignedSums', () => {
  const sums = new TextEncoder().encode(`${'c'.repeat(64)}  terraform_1.9.8_linux_amd64.zip\n`);
  const label = { file: 'terraform_1.9.8_SHA256SUMS', signer: 'the test key' };
  let signer: { publicKey: string; privateKey: string };
  let other: { publicKey: string };
  let signature: Uint8Array;

  beforeAll(async () => {
    signer = await openpgp.generateKey({
      userIDs: [{ name: 'Release', email: 'release@example.test' }],
      format: 'armored',
    });
    other = await openpgp.generateKey({ userIDs: [{ name: 'Other', email: 'other@example.test' }], format: 'armored' });
    signature = await sign(sums);
  });

  async function sign(data: Uint8Array, armored = false): Promise<Uint8Array> {
    const options = {
      message: await openpgp.createMessage({ binary: data }),
      signingKeys: await openpgp.readPrivateKey({ armoredKey: signer.privateKey }),
      detached: true,
    };
    if (armored) return new TextEncoder().encode(await openpgp.sign({ ...options, format: 'armored' }));
    return openpgp.sign({ ...options, format: 'binary' });
  }

  it('accepts a detached binary signature by a trusted key', async () => {
    await verifySignedSums(sums, signature, [signer.publicKey], label);
  });

  it('accepts an armored signature too, and any one of several keys', async () => {
    await verifySignedSums(sums, await sign(sums, true), [other.publicKey, signer.publicKey], label);
  });

  it('refuses a checksum file changed after signing', async () => {
    const changed = new TextEncoder().encode(`${'d'.repeat(64)}  terraform_1.9.8_linux_amd64.zip\n`);
    await assert.rejects(
      verifySignedSums(changed, signature, [signer.publicKey], label),
      signatureInvalid(/^The signature of terraform_1\.9\.8_SHA256SUMS does not verify with the test key: /),
    );
  });

  it('refuses a signature by a key that is not trusted', async () => {
    await assert.rejects(
      verifySignedSums(sums, signature, [other.publicKey], label),
      signatureInvalid(/nothing was installed/),
    );
  });

  it('refuses bytes that are not a signature', async () => {
    await assert.rejects(
      verifySignedSums(sums, new TextEncoder().encode('<html>404</html>'), [signer.publicKey], label),
      signatureInvalid(/it is not an OpenPGP signature/),
    );
  });
});

describe('setupTerraform and resolveTerraformVersion with their edges swapped', () => {
  const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };
  const scratch = mkdtempSync(path.join(tmpdir(), 'install-'));
  const stack = path.join(scratch, 'stack');
  const index = {
    versions: {
      '1.9.7': { version: '1.9.7', builds: [] },
      '1.9.8': { version: '1.9.8', builds: [] },
      '1.10.0-rc1': { version: '1.10.0-rc1', builds: [] },
    },
  };

  beforeAll(() => {
    mkdirSync(stack);
    // A tool cache that already holds terraform 1.9.8, as @actions/tool-cache lays it out.
    process.env.RUNNER_TOOL_CACHE = path.join(scratch, 'cache');
    process.env.RUNNER_TEMP = path.join(scratch, 'temp');
    const cached = path.join(scratch, 'cache', 'terraform', '1.9.8', 'amd64');
    mkdirSync(cached, { recursive: true });
    writeFileSync(path.join(cached, 'terraform'), '');
    writeFileSync(`${cached}.complete`, '');
  });

  afterAll(() => {
    process.env.RUNNER_TOOL_CACHE = saved.cache;
    process.env.RUNNER_TEMP = saved.temp;
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Edges with a `terraform` of the given version on PATH (none when undefined); records the index fetches. */
  function edges(pathVersion: string | undefined) {
    const fetched: string[] = [];
    const swapped: InstallEdges = {
      fetchJson: async (url) => {
        fetched.push(url);
        return index;
      },
      which: async (tool) => (pathVersion ? `/opt/bin/${tool}` : undefined),
      execFile: async (file, args) => {
        assert.deepEqual([file, args], ['/opt/bin/terraform', ['version', '-json']]);
        return JSON.stringify({ terraform_version: pathVersion, platform: 'linux_amd64' });
      },
    };
    return { swapped, fetched };
  }

  const setup = (versionInput: string, pathVersion: string | undefined) => {
    const { swapped, fetched } = edges(pathVersion);
    const result = setupTerraform({
      tool: 'terraform',
      versionInput,
      workingDirectory: stack,
      workspaceRoot: scratch,
      platform: linux,
      edges: swapped,
    });
    return { result, fetched };
  };

  it('uses a binary on PATH that satisfies the constraint without reading the index', async () => {
    const { result, fetched } = setup('~> 1.9.0', '1.9.7');
    assert.deepEqual(await result, {
      binaryPath: '/opt/bin/terraform',
      version: '1.9.7',
      source: 'path',
      constraint: '~> 1.9.0',
      constraintSource: 'the `version` input',
    });
    assert.deepEqual(fetched, []);
  });

  it('with no constraint, uses the binary on PATH only when it is the latest release', async () => {
    const latest = setup('', '1.9.8');
    assert.equal((await latest.result).source, 'path');
    assert.deepEqual(latest.fetched, ['https://releases.hashicorp.com/terraform/index.json']);
    const older = await setup('', '1.9.7').result;
    assert.deepEqual(
      { source: older.source, version: older.version, constraintSource: older.constraintSource },
      { source: 'cache', version: '1.9.8', constraintSource: 'no version set anywhere: the latest release' },
    );
  });

  it('takes an exact version from the tool cache without reading the index', async () => {
    const { result, fetched } = setup('1.9.8', '1.9.7');
    const installed = await result;
    assert.equal(installed.source, 'cache');
    assert.equal(installed.binaryPath, path.join(scratch, 'cache', 'terraform', '1.9.8', 'amd64', 'terraform'));
    assert.deepEqual(fetched, []);
  });

  it('ignores a binary on PATH whose version it cannot read', async () => {
    const { swapped } = edges('1.9.8');
    const result = await setupTerraform({
      tool: 'terraform',
      versionInput: '1.9.8',
      workingDirectory: stack,
      workspaceRoot: scratch,
      platform: linux,
      edges: { ...swapped, execFile: async () => 'Terraform v1.9.8\non linux_amd64\n' },
    });
    assert.equal(result.source, 'cache');
  });

  it('resolves required_version through the index from a mirror, skipping the release candidate', async () => {
    const root = mkdtempSync(path.join(scratch, 'resolve-'));
    writeFileSync(path.join(root, 'versions.tf'), 'terraform {\n  required_version = ">= 1.9.7"\n}\n');
    const { swapped, fetched } = edges(undefined);
    const resolved = await resolveTerraformVersion({
      tool: 'terraform',
      workingDirectory: root,
      workspaceRoot: root,
      mirrorUrl: 'https://mirror.example.com/hashicorp',
      platform: linux,
      fetchJson: swapped.fetchJson,
    });
    assert.deepEqual(resolved, { version: '1.9.8', constraint: '>= 1.9.7', source: 'required_version in versions.tf' });
    assert.deepEqual(fetched, ['https://mirror.example.com/hashicorp/terraform/index.json']);
  });
});
