import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { ActionError } from '../action/action-error.ts';
import { redact } from '../action/mask.ts';
import { invalidInputError } from '../../../../test/assertions.ts';
import {
  checkMirrorUrl,
  mirrorAuthorization,
  constraintProblem,
  exactVersion,
  parseReleaseIndex,
  pickVersion,
  releaseLayout,
  resolveFromIndex,
  satisfiesConstraint,
  toSemverRange,
} from './release-index.ts';

describe('toSemverRange', () => {
  const table: [string, string][] = [
    ['1.7.1', '=1.7.1'],
    ['= 1.7.1', '=1.7.1'],
    ['v1.7.1', '=1.7.1'],
    ['1.7', '=1.7.0'],
    ['>= 1.5, < 2.0', '>=1.5.0 <2.0.0'],
    ['>=1.5,<2', '>=1.5.0 <2.0.0'],
    ['> 1.5.1', '>1.5.1'],
    ['<= 1.9', '<=1.9.0'],
    ['~> 1.6', '>=1.6.0 <2.0.0'],
    ['~> 1.6.2', '>=1.6.2 <1.7.0'],
    ['~> 0.14.0', '>=0.14.0 <0.15.0'],
    ['~> 1', '>=1.0.0'],
    ['!= 1.6.0', '<1.6.0 || >1.6.0'],
    ['~> 1.6, != 1.6.3', '>=1.6.0 <2.0.0 <1.6.3 || >=1.6.0 <2.0.0 >1.6.3'],
    ['1.10.0-rc1', '=1.10.0-rc1'],
    ['latest', '*'],
  ];
  for (const [constraint, range] of table) {
    it(`'${constraint}' is '${range}'`, () => assert.equal(toSemverRange(constraint), range));
  }

  it('names what is wrong with a constraint it cannot read', () => {
    assert.equal(constraintProblem('~> 1.6'), undefined);
    assert.match(constraintProblem('^1.6')!, /'\^1\.6' is not a version with an optional operator/);
    assert.match(constraintProblem('>= 1.5,')!, /empty part between commas/);
    assert.match(constraintProblem('1.2.3.4')!, /not a version/);
    assert.match(constraintProblem('min-required')!, /not a version/);
  });
});

describe('satisfiesConstraint and pickVersion', () => {
  const versions = ['0.15.5', '1.5.7', '1.6.0', '1.6.6', '1.9.2', '1.10.1', '1.11.0-beta1', '2.0.0', '2.0.1-rc1'];

  it('picks the highest match, comparing numerically (1.10 is above 1.9)', () => {
    assert.equal(pickVersion(versions, '~> 1.6'), '1.10.1');
    assert.equal(pickVersion(versions, '~> 1.6.0'), '1.6.6');
    assert.equal(pickVersion(versions, '>= 1.5, < 1.10'), '1.9.2');
    assert.equal(pickVersion(versions, '~> 1.6, != 1.10.1'), '1.9.2');
    assert.equal(pickVersion(versions, '~> 1'), '2.0.0');
  });

  it('picks the latest stable release when nothing or `latest` is asked', () => {
    assert.equal(pickVersion(versions, undefined), '2.0.0');
    assert.equal(pickVersion(versions, 'latest'), '2.0.0');
  });

  it('considers a prerelease only when the constraint names it exactly', () => {
    assert.equal(pickVersion(versions, '>= 1.11.0-beta1'), '2.0.0');
    assert.equal(pickVersion(versions, '>= 1.10.2, < 2.0.0'), undefined);
    assert.equal(pickVersion(versions, '1.11.0-beta1'), '1.11.0-beta1');
    assert.equal(satisfiesConstraint('1.11.0-beta1', '~> 1.6'), false);
    assert.equal(satisfiesConstraint('1.11.0-beta1', '= 1.11.0-beta1'), true);
  });

  it('judges a version against a constraint', () => {
    assert.equal(satisfiesConstraint('1.7.3', '~> 1.7.0'), true);
    assert.equal(satisfiesConstraint('1.8.0', '~> 1.7.0'), false);
    assert.equal(satisfiesConstraint('1.6.0', '!= 1.6.0'), false);
    assert.equal(satisfiesConstraint('1.6.0', undefined), true);
    assert.equal(satisfiesConstraint('not-a-version', undefined), false);
  });

  it('returns the single version of an exact constraint only', () => {
    assert.equal(exactVersion('1.7.1'), '1.7.1');
    assert.equal(exactVersion('= 1.7'), '1.7.0');
    assert.equal(exactVersion('~> 1.7.1'), undefined);
    assert.equal(exactVersion('>= 1.7.1, <= 1.7.1'), undefined);
    assert.equal(exactVersion(undefined), undefined);
  });
});

describe('parseReleaseIndex', () => {
  it("reads HashiCorp's versions map with the archive names of each build", () => {
    const index = {
      name: 'terraform',
      versions: {
        '1.9.8': {
          name: 'terraform',
          version: '1.9.8',
          shasums: 'terraform_1.9.8_SHA256SUMS',
          shasums_signature: 'terraform_1.9.8_SHA256SUMS.sig',
          shasums_signatures: ['terraform_1.9.8_SHA256SUMS.72D7468F.sig', 'terraform_1.9.8_SHA256SUMS.sig'],
          builds: [
            {
              name: 'terraform',
              version: '1.9.8',
              os: 'linux',
              arch: 'amd64',
              filename: 'terraform_1.9.8_linux_amd64.zip',
              url: 'https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_linux_amd64.zip',
            },
            { os: 'darwin', arch: 'arm64', filename: 'terraform_1.9.8_darwin_arm64.zip' },
          ],
        },
        '1.10.0-alpha20240606': { version: '1.10.0-alpha20240606', builds: [] },
      },
    };
    assert.deepEqual(parseReleaseIndex('terraform', index), [
      { version: '1.9.8', files: ['terraform_1.9.8_linux_amd64.zip', 'terraform_1.9.8_darwin_arm64.zip'] },
      { version: '1.10.0-alpha20240606', files: [] },
    ]);
  });

  it("reads OpenTofu's versions list of ids and files", () => {
    const index = {
      versions: [
        { id: '1.9.0-rc1', files: ['tofu_1.9.0-rc1_linux_amd64.zip'] },
        { id: '1.8.5', files: ['tofu_1.8.5_linux_amd64.zip', 'tofu_1.8.5_SHA256SUMS', 'tofu_1.8.5_SHA256SUMS.gpgsig'] },
        { files: ['no id: skipped'] },
      ],
    };
    assert.deepEqual(parseReleaseIndex('tofu', index), [
      { version: '1.9.0-rc1', files: ['tofu_1.9.0-rc1_linux_amd64.zip'] },
      {
        version: '1.8.5',
        files: ['tofu_1.8.5_linux_amd64.zip', 'tofu_1.8.5_SHA256SUMS', 'tofu_1.8.5_SHA256SUMS.gpgsig'],
      },
    ]);
  });

  it('says what is missing from a document of another shape', () => {
    assert.throws(() => parseReleaseIndex('terraform', { versions: [] }), /no `versions` object/);
    assert.throws(() => parseReleaseIndex('tofu', { versions: {} }), /no `versions` array/);
    assert.throws(() => parseReleaseIndex('tofu', null), /no `versions` array/);
  });
});

describe('releaseLayout', () => {
  const linux = { os: 'linux', arch: 'amd64' };

  it("uses HashiCorp's release host for Terraform", () => {
    const layout = releaseLayout('terraform');
    const files = layout.fileNames('1.9.8', linux);
    assert.equal(layout.indexUrl, 'https://releases.hashicorp.com/terraform/index.json');
    assert.deepEqual(
      Object.values(files).map((name) => layout.fileUrl('1.9.8', name)),
      [
        'https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_linux_amd64.zip',
        'https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_SHA256SUMS',
        'https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_SHA256SUMS.72D7468F.sig',
      ],
    );
  });

  it("uses OpenTofu's index and its GitHub releases for tofu", () => {
    const layout = releaseLayout('tofu');
    const files = layout.fileNames('1.8.5', { os: 'darwin', arch: 'arm64' });
    assert.equal(layout.indexUrl, 'https://get.opentofu.org/tofu/api.json');
    assert.deepEqual(
      Object.values(files).map((name) => layout.fileUrl('1.8.5', name)),
      [
        'https://github.com/opentofu/opentofu/releases/download/v1.8.5/tofu_1.8.5_darwin_arm64.zip',
        'https://github.com/opentofu/opentofu/releases/download/v1.8.5/tofu_1.8.5_SHA256SUMS',
        'https://github.com/opentofu/opentofu/releases/download/v1.8.5/tofu_1.8.5_SHA256SUMS.gpgsig',
      ],
    );
  });

  it("keeps the vendor's paths below a mirror's base URL, path included", () => {
    const terraform = releaseLayout('terraform', 'https://artifacts.example.com/releases/');
    assert.equal(terraform.indexUrl, 'https://artifacts.example.com/releases/terraform/index.json');
    assert.equal(
      terraform.fileUrl('1.9.8', 'terraform_1.9.8_SHA256SUMS'),
      'https://artifacts.example.com/releases/terraform/1.9.8/terraform_1.9.8_SHA256SUMS',
    );
    const tofu = releaseLayout('tofu', 'http://10.0.0.5:8080');
    assert.equal(tofu.indexUrl, 'http://10.0.0.5:8080/tofu/api.json');
    assert.equal(
      tofu.fileUrl('1.8.5', 'tofu_1.8.5_SHA256SUMS'),
      'http://10.0.0.5:8080/opentofu/opentofu/releases/download/v1.8.5/tofu_1.8.5_SHA256SUMS',
    );
  });

  it('refuses a mirror-url that is not an http(s) base URL', () => {
    assert.throws(
      () => releaseLayout('terraform', 'mirror.example.com'),
      invalidInputError(/^Input 'mirror-url' must be/),
    );
    assert.throws(() => releaseLayout('terraform', 'ftp://mirror.example.com'), invalidInputError(/http\(s\) URL/));
    assert.throws(() => releaseLayout('terraform', 'https://m.example.com/?x=1'), invalidInputError(/without \?query/));
  });

  it('keeps credentials of a mirror-url out of every URL, sends them as a header, and masks them', () => {
    const mirror = 'https://ci-reader:P%40ss-Mirror-77@artifacts.example.com/releases';
    checkMirrorUrl(mirror);
    const layout = releaseLayout('terraform', mirror);
    assert.equal(layout.indexUrl, 'https://artifacts.example.com/releases/terraform/index.json');
    assert.equal(
      layout.fileUrl('1.9.8', 'terraform_1.9.8_SHA256SUMS'),
      'https://artifacts.example.com/releases/terraform/1.9.8/terraform_1.9.8_SHA256SUMS',
    );
    const header = mirrorAuthorization(mirror);
    assert.equal(header, `Basic ${Buffer.from('ci-reader:P@ss-Mirror-77').toString('base64')}`);
    assert.equal(redact(`${mirror} ${header} P@ss-Mirror-77`).includes('Mirror-77'), false);
    assert.equal(redact(header!).includes(header!.slice(6)), false);
    assert.equal(mirrorAuthorization('https://artifacts.example.com/releases'), undefined);
  });

  it('refuses a bad mirror-url without repeating it, credentials or not', () => {
    for (const text of [
      'ftp://u:Hidden-Pass-1@m.example',
      'https://u:Hidden-Pass-1@m.example/?q',
      'https://u:Hidden-Pass-1@m.example/\nx',
    ]) {
      assert.throws(
        () => checkMirrorUrl(text),
        (error: Error) => {
          invalidInputError(/^Input 'mirror-url' must be/)(error);
          assert.ok(!error.message.includes('Hidden-Pass-1'));
          return true;
        },
      );
    }
  });
});

describe('resolveFromIndex', () => {
  const linux = { os: 'linux', arch: 'amd64' };
  const index = {
    versions: [
      { id: '1.9.0', files: ['tofu_1.9.0_darwin_arm64.zip'] },
      { id: '1.8.5', files: ['tofu_1.8.5_linux_amd64.zip'] },
      { id: '1.8.4', files: ['tofu_1.8.4_linux_amd64.zip'] },
    ],
  };
  const resolve = (constraint: string | undefined, document: unknown = index) => {
    const asked: string[] = [];
    const result = resolveFromIndex({
      tool: 'tofu',
      constraint,
      source: 'the `version` input',
      layout: releaseLayout('tofu', 'https://mirror.example.com'),
      platform: linux,
      fetchJson: async (url) => {
        asked.push(url);
        return document;
      },
    });
    return { result, asked };
  };

  it('picks the highest release with an archive for the platform, from the mirror index', async () => {
    const { result, asked } = resolve(undefined);
    assert.equal(await result, '1.8.5');
    assert.deepEqual(asked, ['https://mirror.example.com/tofu/api.json']);
  });

  it('explains a constraint that matches only a release without a build for the platform', async () => {
    await assert.rejects(resolve('~> 1.9.0').result, (error: unknown) => {
      assert.ok(error instanceof ActionError);
      assert.equal(error.reason, 'install-failed');
      assert.match(
        error.message,
        /matches '~> 1\.9\.0' \(the `version` input\): OpenTofu 1\.9\.0 matches but has no build for linux_amd64/,
      );
      return true;
    });
  });

  it('names the newest release when nothing matches', async () => {
    await assert.rejects(
      resolve('>= 2.0').result,
      /No OpenTofu release .* matches '>= 2\.0' .*the newest stable release is 1\.9\.0/,
    );
  });

  it('reports an index of another shape as an install failure naming its URL', async () => {
    await assert.rejects(resolve(undefined, { versions: {} }).result, (error: unknown) => {
      assert.ok(error instanceof ActionError);
      assert.equal(error.reason, 'install-failed');
      assert.match(
        error.message,
        /index https:\/\/mirror\.example\.com\/tofu\/api\.json could not be read: it has no `versions` array/,
      );
      return true;
    });
  });
});
