import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { zipSync } from 'fflate';
import { describe, expect, it, type TestContext } from 'vitest';
import {
  compareWithCheckout,
  fileDifferences,
  isZip,
  readModuleFiles,
  readSavedPlan,
  type SnapshotModule,
} from './plan-file.ts';

// Plan files built as Terraform 1.11 writes them (checked against a real
// `terraform plan -out`): a zip whose `tfplan` is the planproto message —
// version (1), variables (2), backend (13: type 1, config 2, workspace 3),
// terraform_version (14), timestamp (21) — and the configuration snapshot.

const MAIN_TF = 'resource "terraform_data" "server" {\n  input = var.size\n}\n';

function tfplan(fields: { workspace?: string; version?: string; timestamp?: string; backend?: boolean } = {}) {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.Varint).uint64(3);
  // A variable entry and a resource change the reader must skip.
  writer.tag(2, WireType.LengthDelimited).bytes(new Uint8Array([0x0a, 0x04, 0x73, 0x69, 0x7a, 0x65]));
  writer.tag(20, WireType.Varint).bool(false);
  if (fields.backend !== false) {
    const backend = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string('local')
      .tag(2, WireType.LengthDelimited)
      .bytes(new Uint8Array([0x0a, 0x00]))
      .tag(3, WireType.LengthDelimited)
      .string(fields.workspace ?? 'default')
      .finish();
    writer.tag(13, WireType.LengthDelimited).bytes(backend);
  }
  writer.tag(14, WireType.LengthDelimited).string(fields.version ?? '1.11.4');
  if (fields.timestamp !== undefined) writer.tag(21, WireType.LengthDelimited).string(fields.timestamp);
  return writer.finish();
}

function planZip(entries: Record<string, Uint8Array | string>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(entries)) {
    files[name] = typeof content === 'string' ? Buffer.from(content) : content;
  }
  return zipSync(files);
}

const modulesJson = (modules: { Key: string; Dir: string; Source?: string }[]) => JSON.stringify(modules);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plan-file-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('readSavedPlan', () => {
  it('reads the workspace, backend, version, timestamp and configuration snapshot from the plan file', () => {
    const bytes = planZip({
      tfplan: tfplan({ workspace: 'staging', timestamp: '2026-12-04T17:17:00Z' }),
      tfstate: '{"secret":"not read"}',
      'tfconfig/modules.json': modulesJson([
        { Key: '', Dir: '.' },
        { Key: 'net', Source: './modules/net', Dir: 'modules/net' },
        { Key: 'vpc', Source: 'terraform-aws-modules/vpc/aws', Dir: '.terraform/modules/vpc' },
      ]),
      'tfconfig/m-/main.tf': MAIN_TF,
      'tfconfig/m-net/net.tf': 'locals {}\n',
      'tfconfig/m-vpc/main.tf': 'locals {}\n',
      '.terraform.lock.hcl': '',
    });
    expect(isZip(bytes)).toBe(true);
    expect(readSavedPlan(bytes)).toEqual({
      backend: 'local',
      workspace: 'staging',
      version: '1.11.4',
      timestamp: '2026-12-04T17:17:00Z',
      modules: [
        { key: '', dir: '.', files: { 'main.tf': sha(MAIN_TF) } },
        { key: 'net', source: './modules/net', dir: 'modules/net', files: { 'net.tf': sha('locals {}\n') } },
        {
          key: 'vpc',
          source: 'terraform-aws-modules/vpc/aws',
          dir: '.terraform/modules/vpc',
          files: { 'main.tf': sha('locals {}\n') },
        },
      ],
    });
  });

  it('leaves out what an older plan does not record', () => {
    const plan = readSavedPlan(
      planZip({ tfplan: tfplan({ backend: false }), 'tfconfig/modules.json': modulesJson([{ Key: '', Dir: '.' }]) }),
    );
    expect(plan).toEqual({ version: '1.11.4', modules: [{ key: '', dir: '.', files: {} }] });
  });

  it('is undefined for a file that is not a zip, and refuses a zip that is not a plan as tampered', () => {
    expect(readSavedPlan(Buffer.from('IACPLAN{"scenario":"x"}'))).toBeUndefined();
    // The zip signature, then no zip: Terraform cannot read it either (its `show` says so after init).
    expect(readSavedPlan(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]))).toBeUndefined();
    const refusals = [
      [planZip({ 'tfconfig/modules.json': '[]' }), /has no `tfplan` entry/],
      [planZip({ tfplan: tfplan() }), /has no configuration snapshot/],
      [planZip({ tfplan: tfplan(), 'tfconfig/modules.json': '{}' }), /is not a list of modules/],
      [
        planZip({ tfplan: new Uint8Array([0x6a, 0xff]), 'tfconfig/modules.json': '[]' }),
        /`tfplan` entry is not a plan/,
      ],
    ] as const;
    for (const [bytes, message] of refusals) {
      expect(() => readSavedPlan(bytes)).toThrow(
        expect.objectContaining({ reason: 'plan-tampered', message: expect.stringMatching(message) }),
      );
    }
  });
});

describe('the configuration snapshot against the checkout', () => {
  it('finds the files that differ, are missing or were added, and compares local modules only', async (t) => {
    const root = await tempDir(t);
    const stack = path.join(root, 'infra', 'prod');
    await mkdir(path.join(root, 'modules', 'net'), { recursive: true });
    await mkdir(stack, { recursive: true });
    await writeFile(path.join(stack, 'main.tf'), MAIN_TF);
    await writeFile(path.join(stack, 'terraform.tfvars'), 'size = "l"\n'); // not configuration
    await writeFile(path.join(stack, '.hidden.tf'), ''); // ignored by Terraform
    await writeFile(path.join(root, 'modules', 'net', 'net.tf'), 'locals {}\n');
    // A module init downloads (with TF_DATA_DIR, at an absolute path of the plan's runner), and a local
    // module inside it: neither is in the checkout.
    const modules: SnapshotModule[] = [
      { key: '', dir: '.', files: { 'main.tf': sha(MAIN_TF) } },
      { key: 'net', source: '../../modules/net', dir: '../../modules/net', files: { 'net.tf': sha('locals {}\n') } },
      { key: 'vpc', source: 'git::https://example.com/vpc.git', dir: '/runner/temp/data/modules/vpc', files: {} },
      { key: 'vpc.sub', source: './sub', dir: '/runner/temp/data/modules/vpc/sub', files: {} },
    ];
    const options = { stackDir: stack, root, tool: 'terraform' as const };
    expect(await compareWithCheckout(modules, options)).toEqual({ differences: [], compared: 2, skipped: 2 });

    await writeFile(path.join(stack, 'main.tf'), `${MAIN_TF}resource "terraform_data" "evil" {}\n`);
    await writeFile(path.join(stack, 'extra.tf.json'), '{}');
    await rm(path.join(root, 'modules', 'net', 'net.tf'));
    expect((await compareWithCheckout(modules, options)).differences).toEqual([
      'the root module: `main.tf` differs.',
      'the root module: `extra.tf.json` is in the checkout, not in the plan.',
      'module `net` (`../../modules/net`): `net.tf` is in the plan, not in the checkout.',
    ]);
  });

  it('refuses a module directory that is missing or outside the repository', async (t) => {
    const root = await tempDir(t);
    const outside = await tempDir(t);
    await mkdir(path.join(root, 'stack'));
    await symlink(outside, path.join(root, 'stack', 'linked'));
    const modules: SnapshotModule[] = [
      { key: 'gone', source: './nowhere', dir: 'nowhere', files: {} },
      { key: 'up', source: '../..', dir: '../..', files: {} },
      { key: 'link', source: './linked', dir: 'linked', files: {} },
    ];
    expect(
      (await compareWithCheckout(modules, { stackDir: path.join(root, 'stack'), root, tool: 'terraform' })).differences,
    ).toEqual([
      'module `gone` (`nowhere`): the directory is not in the checkout.',
      'module `up` (`../..`): the directory is outside the repository.',
      'module `link` (`linked`): the directory is outside the repository.',
    ]);
  });

  it('reads a module as each tool does: OpenTofu’s .tofu files replace .tf files of the same name', async (t) => {
    const dir = await tempDir(t);
    for (const name of ['main.tf', 'main.tofu', 'vars.tf', 'out.tf.json', 'out.tofu.json', 'backup.tf~', '#x.tf#']) {
      await writeFile(path.join(dir, name), name);
    }
    expect(Object.keys(await readModuleFiles(dir, 'terraform')).sort()).toEqual(['main.tf', 'out.tf.json', 'vars.tf']);
    expect(Object.keys(await readModuleFiles(dir, 'tofu')).sort()).toEqual(['main.tofu', 'out.tofu.json', 'vars.tf']);
  });

  it('says nothing when the files are the same', () => {
    expect(fileDifferences('x', { 'a.tf': '1' }, { 'a.tf': '1' })).toEqual([]);
  });
});
