import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { startHttpApp, type HttpApp, type Route } from './http-app.ts';

// A release mirror on loopback in the vendors' own layout (the one
// `mirror-url` documents), serving real-format releases: a zip holding a tiny
// `terraform` / `tofu` shell script that answers `version -json`, the
// SHA256SUMS of the archives, and a detached binary OpenPGP signature of it
// made with the key given (a test key). Tests corrupt files with `replace` and
// read the request log to see what was downloaded.

export type MirrorTool = 'terraform' | 'tofu';

export interface ReleaseMirrorOptions {
  tool: MirrorTool;
  /** Versions listed in the index, oldest first. */
  versions: string[];
  /** Versions whose files are served (a subset of `versions`). */
  built: string[];
  /** Platform of the archives, Go names. */
  platform: { os: string; arch: string };
  /** Armored private key that signs each SHA256SUMS. */
  signingKey: string;
}

export interface ReleaseMirror {
  url: string;
  app: HttpApp;
  indexPath: string;
  /** URL paths of one version's archive, checksum file and signature. */
  paths(version: string): { archive: string; sums: string; signature: string };
  /** Serves other bytes at a path from now on. */
  replace(urlPath: string, body: Buffer | string): void;
  body(urlPath: string): Buffer;
  close(): Promise<void>;
}

export async function startReleaseMirror(options: ReleaseMirrorOptions): Promise<ReleaseMirror> {
  const { tool, platform } = options;
  const files = new Map<string, Buffer>();
  const signingKey = await openpgp.readPrivateKey({ armoredKey: options.signingKey });
  const paths = (version: string) => {
    const dir = tool === 'terraform' ? `/terraform/${version}` : `/opentofu/opentofu/releases/download/v${version}`;
    const signature = tool === 'terraform' ? 'SHA256SUMS.72D7468F.sig' : 'SHA256SUMS.gpgsig';
    return {
      archive: `${dir}/${archiveName(tool, version, platform)}`,
      sums: `${dir}/${tool}_${version}_SHA256SUMS`,
      signature: `${dir}/${tool}_${version}_${signature}`,
    };
  };

  for (const version of options.built) {
    const archive = buildArchive(tool, version);
    const sums = Buffer.from(
      `${createHash('sha256').update('other platform').digest('hex')}  ${tool}_${version}_windows_386.zip\n` +
        `${createHash('sha256').update(archive).digest('hex')}  ${archiveName(tool, version, platform)}\n`,
    );
    const signature = await openpgp.sign({
      message: await openpgp.createMessage({ binary: sums }),
      signingKeys: signingKey,
      detached: true,
      format: 'binary',
    });
    const p = paths(version);
    files.set(p.archive, archive);
    files.set(p.sums, sums);
    files.set(p.signature, Buffer.from(signature));
  }

  const indexPath = tool === 'terraform' ? '/terraform/index.json' : '/tofu/api.json';
  files.set(indexPath, Buffer.from(JSON.stringify(indexDocument(tool, options.versions, platform))));

  const serve: Route = (req, res) => {
    const body = files.get(req.path);
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  };
  const app = await startHttpApp(Object.fromEntries([...files.keys()].map((p) => [p, serve])));
  return {
    url: app.url,
    app,
    indexPath,
    paths,
    replace: (urlPath, body) => void files.set(urlPath, Buffer.from(body)),
    body: (urlPath) => files.get(urlPath)!,
    close: () => app.close(),
  };
}

function archiveName(tool: MirrorTool, version: string, platform: { os: string; arch: string }): string {
  return `${tool}_${version}_${platform.os}_${platform.arch}.zip`;
}

/** The vendor's index shape: HashiCorp's versions map, or OpenTofu's versions list (newest first). */
function indexDocument(tool: MirrorTool, versions: string[], platform: { os: string; arch: string }): unknown {
  if (tool === 'terraform') {
    return {
      name: 'terraform',
      versions: Object.fromEntries(
        versions.map((version) => [
          version,
          {
            name: 'terraform',
            version,
            shasums: `terraform_${version}_SHA256SUMS`,
            shasums_signature: `terraform_${version}_SHA256SUMS.sig`,
            shasums_signatures: [`terraform_${version}_SHA256SUMS.72D7468F.sig`, `terraform_${version}_SHA256SUMS.sig`],
            builds: [
              {
                name: 'terraform',
                version,
                os: platform.os,
                arch: platform.arch,
                filename: archiveName(tool, version, platform),
                url: `https://releases.hashicorp.com/terraform/${version}/${archiveName(tool, version, platform)}`,
              },
            ],
          },
        ]),
      ),
    };
  }
  return {
    versions: [...versions].reverse().map((id) => ({
      id,
      files: [archiveName(tool, id, platform), `tofu_${id}_SHA256SUMS`, `tofu_${id}_SHA256SUMS.gpgsig`],
    })),
  };
}

/** A zip, made by the zip CLI, holding an executable script that prints the version as `version -json` does. */
function buildArchive(tool: MirrorTool, version: string): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'release-mirror-'));
  try {
    const script = path.join(dir, tool);
    const versionJson = JSON.stringify({
      terraform_version: version,
      platform: 'linux_amd64',
      provider_selections: {},
    });
    writeFileSync(
      script,
      `#!/bin/sh\nif [ "$1" = version ]; then echo '${versionJson}'; exit 0; fi\necho "${tool} double: $*"\n`,
    );
    chmodSync(script, 0o755);
    execFileSync('zip', ['-q', '-X', '-j', path.join(dir, 'release.zip'), script]);
    return readFileSync(path.join(dir, 'release.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
