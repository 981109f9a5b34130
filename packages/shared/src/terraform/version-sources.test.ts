import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { invalidInputError } from '../../../../test/assertions.ts';
import {
  findVersionConstraint,
  parseToolVersions,
  parseVersionFile,
  readRequiredVersion,
  type FindConstraintOptions,
} from './version-sources.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'version-sources-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A workspace with files (paths relative to its root); returns the root. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(scratch, 'ws-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

function find(root: string, overrides: Partial<FindConstraintOptions> = {}) {
  return findVersionConstraint({
    tool: 'terraform',
    workingDirectory: path.join(root, 'stack'),
    workspaceRoot: root,
    ...overrides,
  });
}

// Every `required_version` here except the real one hides where a pattern
// would find it: comments of all three kinds, a heredoc, a string, another
// block type, a nested block.
const TRICKY_MAIN_TF = `
# terraform { required_version = "= 0.1.0" }
// terraform { required_version = "= 0.2.0" }
/*
terraform {
  required_version = "= 0.3.0"
}
*/
locals {
  readme = <<-EOT
    terraform {
      required_version = "= 0.4.0"
    }
  EOT
  quoted = "terraform { required_version = \\"= 0.5.0\\" }"
}

resource "terraform_data" "example" {
  input = { required_version = "= 0.6.0" }
}

module "terraform" {
  source           = "./modules/terraform"
  required_version = "= 0.7.0"
}

terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "~> 3.2"
    }
  }
  required_version = "~> 1.6" # the real one
}
`;

const ALL_FILES = {
  'stack/main.tf': TRICKY_MAIN_TF,
  'stack/.terraform-version': '1.5.7\n',
  '.terraform-version': '1.4.0\n',
  '.tool-versions': 'nodejs 24.1.0\nterraform 1.3.0\n',
  '.tfswitchrc': '1.2.0\n',
};

describe('findVersionConstraint: the first place that sets a version wins', () => {
  it('1. the version input', async () => {
    const root = workspace(ALL_FILES);
    assert.deepEqual(await find(root, { versionInput: ' ~> 1.9 ' }), {
      constraint: '~> 1.9',
      source: 'the `version` input',
    });
  });

  it('2. required_version of the configuration, read as HCL', async () => {
    const root = workspace(ALL_FILES);
    assert.deepEqual(await find(root), { constraint: '~> 1.6', source: 'required_version in stack/main.tf' });
  });

  it('3. .terraform-version in the working directory, then in its parents', async () => {
    const { 'stack/main.tf': _, ...rest } = ALL_FILES;
    assert.deepEqual(await find(workspace(rest)), { constraint: '1.5.7', source: 'stack/.terraform-version' });
    const { 'stack/.terraform-version': __, ...upper } = rest;
    assert.deepEqual(await find(workspace(upper)), { constraint: '1.4.0', source: '.terraform-version' });
  });

  it('4. the terraform line of .tool-versions', async () => {
    const root = workspace({ '.tool-versions': ALL_FILES['.tool-versions'], '.tfswitchrc': '1.2.0\n' });
    assert.deepEqual(await find(root), { constraint: '1.3.0', source: '.tool-versions' });
  });

  it('5. .tfswitchrc', async () => {
    assert.deepEqual(await find(workspace({ '.tfswitchrc': '1.2.0\n' })), {
      constraint: '1.2.0',
      source: '.tfswitchrc',
    });
  });

  it('otherwise nothing: the caller installs the latest release', async () => {
    assert.equal(await find(workspace({ 'stack/main.tf': 'resource "terraform_data" "x" {}\n' })), undefined);
  });

  it('does not look above the workspace root, nor above a working directory outside it', async () => {
    const outer = workspace({ '.terraform-version': '1.0.0\n', 'ws/stack/main.tf': '' });
    assert.equal(await find(path.join(outer, 'ws')), undefined);
    const elsewhere = workspace({ 'stack/main.tf': '' });
    assert.equal(await find(outer, { workingDirectory: path.join(elsewhere, 'stack') }), undefined);
  });

  it('reads the OpenTofu files for tofu: .opentofu-version and the opentofu line of .tool-versions', async () => {
    const root = workspace({ '.terraform-version': '1.6.0\n', '.opentofu-version': '1.8.0\n', 'stack/x.tf': '' });
    assert.deepEqual(await find(root, { tool: 'tofu' }), { constraint: '1.8.0', source: '.opentofu-version' });
    const asdf = workspace({ '.tool-versions': 'terraform 1.6.0\nopentofu 1.8.2 1.8.1\n', '.tfswitchrc': '1.5.0' });
    assert.deepEqual(await find(asdf, { tool: 'tofu' }), { constraint: '1.8.2', source: '.tool-versions' });
    assert.equal(await find(workspace({ '.tfswitchrc': '1.5.0' }), { tool: 'tofu' }), undefined);
  });

  it('refuses a version input that is not a constraint, naming the input', async () => {
    await assert.rejects(
      find(workspace({}), { versionInput: '^1.6' }),
      invalidInputError(/^Input 'version' is not a version/),
    );
  });

  it('refuses a version file it cannot use, naming the file', async () => {
    await assert.rejects(find(workspace({ '.terraform-version': 'min-required\n' })), (error: unknown) => {
      assert.ok(error instanceof ActionError);
      assert.equal(error.reason, 'invalid-version');
      assert.match(error.message, /^\.terraform-version asks for 'min-required', which is not a version constraint/);
      return true;
    });
  });

  it('accepts `latest` in a version file', async () => {
    assert.deepEqual(await find(workspace({ '.terraform-version': 'latest' })), {
      constraint: 'latest',
      source: '.terraform-version',
    });
  });
});

describe('readRequiredVersion', () => {
  it('intersects the constraints of every terraform block in every file', async () => {
    const root = workspace({
      'versions.tf': 'terraform {\n  required_version = ">= 1.5"\n}\nterraform {\n  required_version = "< 2.0"\n}\n',
      'backend.tf': 'terraform {\n  backend "local" {}\n}\n',
      'main.tf.json': JSON.stringify({ terraform: { required_version: '!= 1.6.0' }, resource: {} }),
    });
    assert.deepEqual(await readRequiredVersion(root, 'terraform'), {
      constraint: '!= 1.6.0, >= 1.5, < 2.0',
      source: 'required_version in main.tf.json, versions.tf',
    });
  });

  it('lets an override file replace the constraints before it, as Terraform does', async () => {
    const root = workspace({
      'versions.tf': 'terraform {\n  required_version = "~> 1.5"\n}\n',
      'versions_override.tf': 'terraform {\n  required_version = "~> 1.9"\n}\n',
      'z_override.tf': 'terraform {\n  backend "local" {}\n}\n',
    });
    assert.deepEqual(await readRequiredVersion(root, 'terraform'), {
      constraint: '~> 1.9',
      source: 'required_version in versions_override.tf',
    });
  });

  it('reads .tofu files for OpenTofu, where a .tofu file hides the .tf file of the same name', async () => {
    const root = workspace({
      'versions.tf': 'terraform {\n  required_version = "~> 1.6"\n}\n',
      'versions.tofu': 'terraform {\n  required_version = "~> 1.8"\n}\n',
    });
    assert.equal((await readRequiredVersion(root, 'tofu'))?.constraint, '~> 1.8');
    assert.equal((await readRequiredVersion(root, 'terraform'))?.constraint, '~> 1.6');
  });

  it('skips a file that is not valid HCL and a computed value, and reads the rest', async () => {
    const root = workspace({
      'broken.tf': 'terraform {\n  required_version = \n',
      'computed.tf': 'terraform {\n  required_version = "${var.wanted}"\n}\n',
      'versions.tf': 'terraform {\n  required_version = "1.7.1"\n}\n',
    });
    assert.deepEqual(await readRequiredVersion(root, 'terraform'), {
      constraint: '1.7.1',
      source: 'required_version in versions.tf',
    });
  });
});

describe('version file parsers', () => {
  it('take the first line that is not blank or a comment', () => {
    assert.equal(parseVersionFile('\n# pinned for the upgrade\n 1.9.8 \r\n1.0.0\n'), '1.9.8');
    assert.equal(parseVersionFile('\n\n'), undefined);
  });

  it("take the tool's first version in .tool-versions, ignoring comments and other tools", () => {
    const text = '# tools\nterraform-docs 0.19.0\nterraform   1.9.8 1.9.7 # preferred first\nopentofu 1.8.5\n';
    assert.equal(parseToolVersions(text, 'terraform'), '1.9.8');
    assert.equal(parseToolVersions(text, 'tofu'), '1.8.5');
    assert.equal(parseToolVersions('nodejs 24\n', 'terraform'), undefined);
  });
});
