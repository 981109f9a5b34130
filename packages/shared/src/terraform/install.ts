import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import * as io from '@actions/io';
import { ActionError } from '../action/action-error.ts';
import {
  exactVersion,
  isLatest,
  mirrorAuthorization,
  releaseLayout,
  resolveFromIndex,
  satisfiesConstraint,
  toolDisplayName,
  type Platform,
  type ReleaseLayout,
  type TerraformTool,
} from './release-index.ts';
import { RELEASE_KEY_FINGERPRINTS, vendorSigningKeys } from './signing-keys.ts';
import { findVersionConstraint, type FindConstraintOptions } from './version-sources.ts';
import { childEnv, spawnRunner } from '../util/command.ts';

// The tool cache (with @actions/http-client and undici) is a lazy chunk of the
// bundle: a run that finds its binary on PATH does not load it.
const loadToolCache = () => import('@actions/tool-cache');

// Terraform / OpenTofu on the runner: resolve the version, reuse a binary on
// PATH or in the tool cache, otherwise download the release, verify it
// (signature of SHA256SUMS with the vendor's key, then the archive's SHA-256)
// and cache it per tool and version.

export type { Platform, TerraformTool } from './release-index.ts';

/** The network and process edges, swapped in tests. */
export interface InstallEdges {
  /** GET a JSON document (the release index), with an `Authorization` header when given. */
  fetchJson: (url: string, authorization?: string) => Promise<unknown>;
  /** The absolute path of an executable on PATH, or undefined. */
  which: (tool: string) => Promise<string | undefined>;
  /** Runs a program to completion and returns its standard output; rejects when it fails. */
  execFile: (file: string, args: string[]) => Promise<string>;
}

export const defaultInstallEdges: InstallEdges = {
  fetchJson: async (url, authorization) => {
    // Through the tool cache's HTTP client, like the archives: it honours the
    // runner's proxy settings and retries 5xx and dropped connections.
    const tc = await loadToolCache();
    const file = await tc.downloadTool(url, undefined, authorization).catch((error: unknown) => {
      throw downloadError('the release index', url, error, tc.HTTPError);
    });
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown;
    } finally {
      await rm(file, { force: true });
    }
  },
  which: async (tool) => (await io.which(tool, false)) || undefined,
  execFile: async (file, args) => {
    // The suite's one exec wrapper, which gives the program the step's
    // environment without its inputs and runtime token. CHECKPOINT_DISABLE:
    // no update check (a network call) just to print a version. A binary
    // that hangs is stopped: it is not usable as it is.
    const env = { ...childEnv(process.env), CHECKPOINT_DISABLE: '1' };
    const result = await spawnRunner()(file, args, { cwd: process.cwd(), env, echo: false, timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${result.exitCode}`);
    return result.stdout;
  },
};

/** The platform of this runner, in the release archives' terms. */
export function currentPlatform(): Platform {
  const osNames: Record<string, string> = { win32: 'windows' };
  const archNames: Record<string, string> = { x64: 'amd64', ia32: '386' };
  return { os: osNames[process.platform] ?? process.platform, arch: archNames[process.arch] ?? process.arch };
}

export interface ResolvedVersion {
  version: string;
  /** The constraint that chose it; undefined when nothing asked for a version (the latest release). */
  constraint: string | undefined;
  /** Where the constraint came from, for the log and summary. */
  source: string;
}

const LATEST_SOURCE = 'no version set anywhere: the latest release';

export interface ResolveOptions extends FindConstraintOptions {
  mirrorUrl?: string;
  platform?: Platform;
  fetchJson?: InstallEdges['fetchJson'];
}

/** The version to install: the constraint from the first place that sets one, resolved against the release index. */
export async function resolveTerraformVersion(options: ResolveOptions): Promise<ResolvedVersion> {
  const wanted = await findWanted(options);
  const version = await resolveVersion(wanted, {
    tool: options.tool,
    mirrorUrl: options.mirrorUrl,
    platform: options.platform ?? currentPlatform(),
    fetchJson: options.fetchJson ?? defaultInstallEdges.fetchJson,
  });
  return { version, ...wanted };
}

async function findWanted(options: FindConstraintOptions): Promise<Omit<ResolvedVersion, 'version'>> {
  const found = await findVersionConstraint(options);
  return {
    constraint: isLatest(found?.constraint) ? undefined : found!.constraint,
    source: found?.source ?? LATEST_SOURCE,
  };
}

/** An exact version needs no index: the download says whether it exists. */
async function resolveVersion(
  wanted: Omit<ResolvedVersion, 'version'>,
  where: { tool: TerraformTool; mirrorUrl?: string; platform: Platform; fetchJson: InstallEdges['fetchJson'] },
): Promise<string> {
  const authorization = mirrorAuthorization(where.mirrorUrl);
  return (
    exactVersion(wanted.constraint) ??
    (await resolveFromIndex({
      ...where,
      fetchJson: (url) => where.fetchJson(url, authorization),
      constraint: wanted.constraint,
      source: wanted.source,
      layout: releaseLayout(where.tool, where.mirrorUrl),
    }))
  );
}

export interface SetupTerraformOptions extends FindConstraintOptions {
  mirrorUrl?: string;
  /** Armored public keys trusted to sign SHA256SUMS; default: the vendor's release key. */
  publicKeys?: string[];
  platform?: Platform;
  edges?: Partial<InstallEdges>;
}

export interface SetupTerraformResult {
  binaryPath: string;
  version: string;
  /** `path`: a binary already on PATH satisfied the constraint; `cache`: the tool cache had it; `download`: fetched and verified. */
  source: 'path' | 'cache' | 'download';
  constraint: string | undefined;
  constraintSource: string;
}

/**
 * Finds the version to use and makes that binary available: the one on PATH
 * when it satisfies the constraint, else the tool cache's, else a verified
 * download.
 */
export async function setupTerraform(options: SetupTerraformOptions): Promise<SetupTerraformResult> {
  const edges = { ...defaultInstallEdges, ...options.edges };
  const { tool } = options;
  const name = toolDisplayName(tool);
  const wanted = await findWanted(options);
  const { constraint } = wanted;
  const described = { constraint, constraintSource: wanted.source };
  core.info(constraint ? `${name} version '${constraint}', from ${wanted.source}.` : `${name}: ${wanted.source}.`);

  const onPath = await binaryOnPath(tool, edges);
  const usingPath = () => {
    core.info(`Using ${name} ${onPath!.version} already on PATH: ${onPath!.path}`);
    return { binaryPath: onPath!.path, version: onPath!.version, source: 'path' as const, ...described };
  };
  // A binary that satisfies a written constraint is used without asking the
  // index (which may be out of reach); with no constraint, only the latest will do.
  if (onPath && constraint && satisfiesConstraint(onPath.version, constraint)) return usingPath();

  const platform = options.platform ?? currentPlatform();
  const version = await resolveVersion(wanted, {
    tool,
    mirrorUrl: options.mirrorUrl,
    platform,
    fetchJson: edges.fetchJson,
  });
  if (onPath && !constraint && onPath.version === version) return usingPath();
  if (onPath) core.info(`${name} ${onPath.version} on PATH (${onPath.path}) is not ${version}; installing ${version}.`);
  const installed = await installTool({
    tool,
    version,
    mirrorUrl: options.mirrorUrl,
    publicKeys: options.publicKeys,
    platform,
  });
  return { ...installed, ...described };
}

async function binaryOnPath(
  tool: TerraformTool,
  edges: InstallEdges,
): Promise<{ path: string; version: string } | undefined> {
  const found = await edges.which(tool);
  if (!found) return undefined;
  try {
    const version = (JSON.parse(await edges.execFile(found, ['version', '-json'])) as { terraform_version?: unknown })
      .terraform_version;
    if (typeof version === 'string' && version) return { path: found, version };
  } catch {
    // Too old for `version -json`, or not the real tool: not usable as is.
  }
  core.info(`Could not read the version of ${found} with \`${tool} version -json\`; it is not used.`);
  return undefined;
}

export interface InstallToolOptions {
  tool: TerraformTool;
  /** An exact version (1.9.8). */
  version: string;
  mirrorUrl?: string;
  /** Armored public keys trusted to sign SHA256SUMS; default: the vendor's release key. */
  publicKeys?: string[];
  platform?: Platform;
}

export interface InstalledTool {
  binaryPath: string;
  version: string;
  source: 'cache' | 'download';
}

/**
 * The binary of an exact version from the tool cache, or downloaded, verified
 * and cached. Nothing reaches the cache before both checks pass.
 */
export async function installTool(options: InstallToolOptions): Promise<InstalledTool> {
  const { tool, version } = options;
  const platform = options.platform ?? currentPlatform();
  const name = toolDisplayName(tool);
  const binary = platform.os === 'windows' ? `${tool}.exe` : tool;

  const tc = await loadToolCache();
  const cached = tc.find(tool, version, platform.arch);
  if (cached && (await exists(path.join(cached, binary)))) {
    core.info(`${name} ${version} found in the tool cache: ${cached}`);
    return { binaryPath: path.join(cached, binary), version, source: 'cache' };
  }

  const layout = releaseLayout(tool, options.mirrorUrl);
  const authorization = mirrorAuthorization(options.mirrorUrl);
  const files = layout.fileNames(version, platform);
  const scratch = await mkdtemp(path.join(process.env.RUNNER_TEMP || os.tmpdir(), `${tool}-${version}-`));
  try {
    const download = (file: string, what: string) =>
      fetchFile(layout, version, file, path.join(scratch, file), what, authorization);
    const sums = await readFile(await download(files.sums, 'the checksum file'));
    const signature = await readFile(await download(files.signature, 'the signature of the checksum file'));
    await verifySignedSums(sums, signature, options.publicKeys ?? vendorSigningKeys(tool), {
      file: files.sums,
      signer: options.publicKeys ? 'the given public keys' : vendorKeyName(tool),
    });
    const expected = parseSha256Sums(sums.toString('utf8')).get(files.archive);
    if (!expected) {
      throw new ActionError(
        `${files.sums} lists no checksum for ${files.archive}, so it cannot be verified: ` +
          `${name} ${version} may have no build for ${platform.os}_${platform.arch}.`,
        'checksum-mismatch',
      );
    }
    core.info(`Downloading ${layout.fileUrl(version, files.archive)}`);
    const archive = await download(files.archive, `the ${name} ${version} archive`);
    const actual = await sha256File(archive);
    if (actual !== expected) {
      throw new ActionError(
        `The SHA-256 of ${files.archive} (${actual}) is not the one in its signed ${files.sums} (${expected}): ` +
          'the download is corrupt or was tampered with, and it was not installed. Run the job again; ' +
          'if it persists, check the mirror or proxy that serves the file.',
        'checksum-mismatch',
      );
    }
    core.info(`Verified ${files.archive}: signed checksum ${expected}.`);
    const extracted = await extractZip(archive, path.join(scratch, 'extracted'), platform);
    const extractedBinary = path.join(extracted, binary);
    if (!(await exists(extractedBinary))) {
      throw new ActionError(`${files.archive} holds no '${binary}'; it was not installed.`, 'install-failed');
    }
    if (platform.os !== 'windows') await chmod(extractedBinary, 0o755);
    const toolDir = await tc.cacheDir(extracted, tool, version, platform.arch);
    core.info(`${name} ${version} installed in the tool cache: ${toolDir}`);
    return { binaryPath: path.join(toolDir, binary), version, source: 'download' };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Unzips with `unzip` through the suite's exec wrapper where there is one:
 * the tool cache's own extractZip would run it with the step's whole
 * environment, inputs and runtime token included. Windows keeps the tool
 * cache's (PowerShell) way.
 */
async function extractZip(archive: string, dest: string, platform: Platform): Promise<string> {
  if (platform.os === 'windows' || process.platform === 'win32') {
    return (await loadToolCache()).extractZip(archive, dest);
  }
  await mkdir(dest, { recursive: true });
  const result = await spawnRunner()('unzip', ['-o', '-q', archive, '-d', dest], {
    cwd: dest,
    env: childEnv(process.env),
    echo: false,
    timeoutMs: 300_000,
  });
  if (result.exitCode !== 0) {
    throw new ActionError(
      `Could not unzip ${path.basename(archive)}: ${result.stderr.trim() || `unzip exited with ${result.exitCode}`}.`,
      'install-failed',
    );
  }
  return dest;
}

function vendorKeyName(tool: TerraformTool): string {
  const fingerprint = RELEASE_KEY_FINGERPRINTS[tool];
  return `${tool === 'tofu' ? "OpenTofu's" : "HashiCorp's"} release key ${fingerprint.slice(-16)}`;
}

async function fetchFile(
  layout: ReleaseLayout,
  version: string,
  file: string,
  dest: string,
  what: string,
  authorization: string | undefined,
) {
  const url = layout.fileUrl(version, file);
  const tc = await loadToolCache();
  try {
    return await tc.downloadTool(url, dest, authorization);
  } catch (error) {
    throw downloadError(what, url, error, tc.HTTPError);
  }
}

function downloadError(
  what: string,
  url: string,
  error: unknown,
  HTTPError: typeof import('@actions/tool-cache').HTTPError,
): ActionError {
  const status = error instanceof HTTPError ? error.httpStatusCode : undefined;
  const detail = status ? `HTTP ${status}` : error instanceof Error ? error.message : String(error);
  const hint =
    status === 404
      ? 'Check that this version exists and, with `mirror-url`, that the mirror holds it in the vendor layout.'
      : 'Check the runner can reach it (proxy, firewall), or set `mirror-url` to a reachable mirror.';
  return new ActionError(`Could not download ${what} from ${url} (${detail}). ${hint}`, 'install-failed', {
    cause: error,
  });
}

/** The `<sha256>  <file name>` lines of a SHA256SUMS file, as a map from file name to lower-case digest. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (match) sums.set(match[2]!, match[1]!.toLowerCase());
  }
  return sums;
}

/**
 * Checks a detached OpenPGP signature (binary, or armored) of a SHA256SUMS
 * file against the trusted keys; throws `signature-invalid` unless one of
 * them made it.
 */
export async function verifySignedSums(
  sums: Uint8Array,
  signature: Uint8Array,
  armoredKeys: string[],
  label: { file: string; signer: string },
): Promise<void> {
  // Loaded here: a cache hit or a binary on PATH never pays for it.
  // A lazy chunk of the bundle (its own file in dist/), neither compiled nor run otherwise.
  const openpgp = await import('openpgp');
  const refuse = (detail: string) =>
    new ActionError(
      `The signature of ${label.file} does not verify with ${label.signer}: ${detail}. ` +
        'The release files may have been tampered with, so nothing was installed. ' +
        'With `mirror-url`, the mirror must serve the vendor’s signature files unchanged.',
      'signature-invalid',
    );
  const verificationKeys = await Promise.all(armoredKeys.map((armoredKey) => openpgp.readKey({ armoredKey })));
  let parsed;
  try {
    const text = Buffer.from(signature).toString('latin1');
    parsed = text.startsWith('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: signature });
  } catch (error) {
    throw refuse(`it is not an OpenPGP signature (${(error as Error).message})`);
  }
  try {
    await openpgp.verify({
      message: await openpgp.createMessage({ binary: sums }),
      signature: parsed,
      verificationKeys,
      expectSigned: true,
      format: 'binary',
    });
  } catch (error) {
    throw refuse((error as Error).message.replace(/\.$/, ''));
  }
  core.info(`Verified the signature of ${label.file} (${label.signer}).`);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
