import semver from 'semver';
import { ActionError, invalidInput } from '../action/action-error.ts';
import { maskSecret, MIN_SECRET_LENGTH } from '../action/mask.ts';
import { isRecord } from '../util/values.ts';

// Listing a tool's releases and choosing one: Terraform's version-constraint
// syntax turned into semver ranges, both vendors' release indexes parsed, and
// the URL layout of the release files (the vendor's, or a mirror's).

export type TerraformTool = 'terraform' | 'tofu';

/** A platform as the release archives name it (Go's GOOS/GOARCH): linux/amd64, darwin/arm64, windows/amd64. */
export interface Platform {
  os: string;
  arch: string;
}

export function toolDisplayName(tool: TerraformTool): string {
  return tool === 'tofu' ? 'OpenTofu' : 'Terraform';
}

// ---------------------------------------------------------------------------
// Constraints. Terraform checks `required_version` with hashicorp/go-version:
// comma-separated comparators that must all hold; an operator (`=`, `!=`, `>`,
// `>=`, `<`, `<=`, `~>`) or none (=); missing segments are zeros. `~>` lets
// only the last given segment grow: `~> 1.6` is >= 1.6.0 < 2.0.0, `~> 1.6.2`
// is >= 1.6.2 < 1.7.0, and `~> 1` is >= 1.0.0 with no upper bound (go-version
// keeps the first segment only when two or more are given). The word `latest`
// (tfenv, asdf) means the newest stable release. No npm package speaks
// go-version's constraint language, so it is parsed here and handed to
// `semver` as a range; semver does all the comparing.

type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~>';

interface Comparator {
  operator: Operator;
  /** Full semver, padded: `1.6` is 1.6.0. */
  version: string;
  /** How many of major.minor.patch were written. */
  segments: number;
}

// One comparator as go-version accepts it (a leading `v` is allowed; build
// metadata is ignored). Not a config parser: it reads one constraint string.
const COMPARATOR =
  /^(=|!=|>=|<=|>|<|~>)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isLatest(constraint: string | undefined): boolean {
  return constraint === undefined || constraint.trim().toLowerCase() === 'latest';
}

/** Why a constraint cannot be read, in words for the user; undefined when it can. */
export function constraintProblem(constraint: string): string | undefined {
  try {
    parseConstraint(constraint);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function parseConstraint(constraint: string): Comparator[] {
  if (isLatest(constraint)) return [];
  const parts = constraint.split(',').map((part) => part.trim());
  return parts.map((part) => {
    if (!part) throw new Error(`'${constraint}' has an empty part between commas`);
    const match = COMPARATOR.exec(part);
    if (!match) throw new Error(`'${part}' is not a version with an optional operator (=, !=, >, >=, <, <=, ~>)`);
    const [, operator = '=', major, minor, patch, prerelease] = match;
    const version = `${Number(major)}.${Number(minor ?? 0)}.${Number(patch ?? 0)}${prerelease ? `-${prerelease}` : ''}`;
    if (!semver.valid(version)) throw new Error(`'${part}' is not a valid version`);
    const segments = patch !== undefined ? 3 : minor !== undefined ? 2 : 1;
    return { operator: operator as Operator, version, segments };
  });
}

/**
 * The semver range (npm syntax) of a Terraform constraint. `!=` has no range
 * operator of its own, so each one splits the range in two alternatives
 * (`<v || >v`) joined with the other comparators.
 */
export function toSemverRange(constraint: string): string {
  let sets: string[][] = [[]];
  for (const { operator, version, segments } of parseConstraint(constraint)) {
    if (operator === '!=') {
      sets = sets.flatMap((set) => [
        [...set, `<${version}`],
        [...set, `>${version}`],
      ]);
      continue;
    }
    const comparators = operator === '~>' ? pessimistic(version, segments) : [`${operator}${version}`];
    for (const set of sets) set.push(...comparators);
  }
  return sets.map((set) => (set.length ? set.join(' ') : '*')).join(' || ');
}

function pessimistic(version: string, segments: number): string[] {
  const v = semver.parse(version)!;
  if (segments === 1) return [`>=${version}`];
  const upper = segments === 2 ? `${v.major + 1}.0.0` : `${v.major}.${v.minor + 1}.0`;
  return [`>=${version}`, `<${upper}`];
}

/** The one version a constraint allows (`1.7.1`, `= 1.7.1`), or undefined for a range. */
export function exactVersion(constraint: string | undefined): string | undefined {
  if (isLatest(constraint)) return undefined;
  const comparators = parseConstraint(constraint!);
  const [only] = comparators;
  return comparators.length === 1 && only!.operator === '=' ? only!.version : undefined;
}

// Prereleases are candidates only when the constraint names one exactly
// (`1.10.0-rc1`): `>= 1.9` must not pick an alpha.
function namedPrereleases(constraint: string | undefined): Set<string> {
  if (isLatest(constraint)) return new Set();
  return new Set(
    parseConstraint(constraint!)
      .filter((c) => c.operator === '=' && semver.prerelease(c.version))
      .map((c) => c.version),
  );
}

/** Whether `version` satisfies the constraint, as Terraform would judge it. */
export function satisfiesConstraint(version: string, constraint: string | undefined): boolean {
  const clean = semver.valid(version);
  if (!clean) return false;
  if (semver.prerelease(clean) && !namedPrereleases(constraint).has(clean)) return false;
  if (isLatest(constraint)) return true;
  return semver.satisfies(clean, toSemverRange(constraint!), { includePrerelease: true });
}

/** The highest of `versions` that satisfies the constraint (any stable one when unset or `latest`). */
export function pickVersion(versions: readonly string[], constraint: string | undefined): string | undefined {
  const candidates = versions.filter((v) => satisfiesConstraint(v, constraint)).map((v) => semver.valid(v)!);
  return semver.rsort(candidates)[0];
}

// ---------------------------------------------------------------------------
// Release indexes.
//   HashiCorp  https://releases.hashicorp.com/terraform/index.json
//     { "name": "terraform", "versions": { "1.9.8": { "version": "1.9.8", "shasums": ...,
//       "builds": [{ "os": "linux", "arch": "amd64", "filename": "terraform_1.9.8_linux_amd64.zip", "url": ... }] } } }
//   OpenTofu   https://get.opentofu.org/tofu/api.json
//     { "versions": [{ "id": "1.8.0", "files": ["tofu_1.8.0_linux_amd64.zip", "tofu_1.8.0_SHA256SUMS", ...] }] }

export interface Release {
  version: string;
  /** Names of the release's files; empty when the index does not list them. */
  files: string[];
}

/** The releases in a vendor's index document; throws an Error naming what is wrong with its shape. */
export function parseReleaseIndex(tool: TerraformTool, document: unknown): Release[] {
  const versions = (document as { versions?: unknown } | null)?.versions;
  if (tool === 'terraform') {
    if (!isRecord(versions)) throw new Error('it has no `versions` object');
    return Object.entries(versions).map(([key, entry]) => {
      const record = isRecord(entry) ? entry : {};
      const builds = Array.isArray(record.builds) ? record.builds : [];
      return {
        version: typeof record.version === 'string' ? record.version : key,
        files: builds.flatMap((b: unknown) => (isRecord(b) && typeof b.filename === 'string' ? [b.filename] : [])),
      };
    });
  }
  if (!Array.isArray(versions)) throw new Error('it has no `versions` array');
  return versions.flatMap((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.id !== 'string') return [];
    const files = Array.isArray(entry.files) ? entry.files.filter((f): f is string => typeof f === 'string') : [];
    return [{ version: entry.id.replace(/^v/, ''), files }];
  });
}

// ---------------------------------------------------------------------------
// Where the files are. A mirror (`mirror-url`, for runners without internet
// access) keeps each vendor URL's path below its own base URL, so it is a
// plain copy of the vendor's files, laid out as the vendor lays them out:
//
//   terraform  <mirror>/terraform/index.json
//              <mirror>/terraform/<v>/terraform_<v>_<os>_<arch>.zip
//              <mirror>/terraform/<v>/terraform_<v>_SHA256SUMS
//              <mirror>/terraform/<v>/terraform_<v>_SHA256SUMS.72D7468F.sig
//   tofu       <mirror>/tofu/api.json
//              <mirror>/opentofu/opentofu/releases/download/v<v>/tofu_<v>_<os>_<arch>.zip
//              <mirror>/opentofu/opentofu/releases/download/v<v>/tofu_<v>_SHA256SUMS
//              <mirror>/opentofu/opentofu/releases/download/v<v>/tofu_<v>_SHA256SUMS.gpgsig
//
// The base may carry a path (https://artifacts.example.com/hashicorp). The
// index only needs the versions in use. Files from a mirror are verified
// exactly like the vendor's: the signature must be the vendor's own.
//
// HashiCorp's plain `.sig` of releases before April 2021 is by a key it has
// since revoked; the `.72D7468F.sig` beside it is by the current key for
// every release (the same bytes as `.sig` for the newer ones), so it is the
// one fetched.

export interface ReleaseFileNames {
  archive: string;
  sums: string;
  signature: string;
}

export interface ReleaseLayout {
  indexUrl: string;
  fileNames(version: string, platform: Platform): ReleaseFileNames;
  fileUrl(version: string, name: string): string;
}

const VENDOR_ORIGINS = {
  terraform: { index: 'https://releases.hashicorp.com', files: 'https://releases.hashicorp.com' },
  tofu: { index: 'https://get.opentofu.org', files: 'https://github.com' },
} as const;

export function releaseLayout(tool: TerraformTool, mirrorUrl?: string): ReleaseLayout {
  const mirror = mirrorUrl ? mirrorBase(mirrorUrl) : undefined;
  const indexBase = mirror ?? VENDOR_ORIGINS[tool].index;
  const filesBase = mirror ?? VENDOR_ORIGINS[tool].files;
  if (tool === 'terraform') {
    return {
      indexUrl: `${indexBase}/terraform/index.json`,
      fileNames: (v, p) => ({
        archive: `terraform_${v}_${p.os}_${p.arch}.zip`,
        sums: `terraform_${v}_SHA256SUMS`,
        signature: `terraform_${v}_SHA256SUMS.72D7468F.sig`,
      }),
      fileUrl: (v, name) => `${filesBase}/terraform/${v}/${name}`,
    };
  }
  return {
    indexUrl: `${indexBase}/tofu/api.json`,
    fileNames: (v, p) => ({
      archive: `tofu_${v}_${p.os}_${p.arch}.zip`,
      sums: `tofu_${v}_SHA256SUMS`,
      signature: `tofu_${v}_SHA256SUMS.gpgsig`,
    }),
    fileUrl: (v, name) => `${filesBase}/opentofu/opentofu/releases/download/v${v}/${name}`,
  };
}

/**
 * Checks a `mirror-url` and registers the credentials it may carry
 * (`https://user:password@mirror/…`, or a token as the user) as secrets
 * first: no message ever quotes them, and no URL the suite prints or
 * requests carries them (they go in an Authorization header).
 */
export function checkMirrorUrl(mirrorUrl: string): void {
  if (!mirrorUrl) return;
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(mirrorUrl)?.[1];
  if (userinfo) {
    // A user name of two letters is no secret, and masking it would star out the log.
    const parts = [userinfo, ...userinfo.split(':')].flatMap((part) => [part, safeDecode(part)]);
    parts.filter((part) => part.length >= MIN_SECRET_LENGTH).forEach(maskSecret);
  }
  mirrorBase(mirrorUrl);
}

/** The `Authorization` header for a mirror URL with credentials in it; undefined without. */
export function mirrorAuthorization(mirrorUrl: string | undefined): string | undefined {
  if (!mirrorUrl) return undefined;
  let url: URL;
  try {
    url = new URL(mirrorUrl);
  } catch {
    return undefined;
  }
  if (!url.username && !url.password) return undefined;
  const user = safeDecode(url.username);
  const password = safeDecode(url.password);
  maskSecret(`${user}:${password}`);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The base URL of the files, without credentials; messages name the URL without its userinfo. */
function mirrorBase(mirrorUrl: string): string {
  const refuse = (problem: string) =>
    invalidInput(
      'mirror-url',
      `${problem}, such as https://mirror.example.com/releases (credentials may go before @).`,
    );
  if (mirrorUrl.length > 2048 || /[\s\0]/.test(mirrorUrl)) throw refuse('must be one URL of at most 2048 characters');
  let url: URL;
  try {
    url = new URL(mirrorUrl);
  } catch {
    throw refuse('must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an http(s) URL');
  if (url.search || url.hash) throw refuse('must be a base URL without ?query or #fragment');
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------

export interface IndexResolution {
  tool: TerraformTool;
  constraint: string | undefined;
  /** Where the constraint came from, for messages. */
  source: string;
  layout: ReleaseLayout;
  platform: Platform;
  fetchJson: (url: string) => Promise<unknown>;
}

/** The highest release in the index that satisfies the constraint and has an archive for the platform. */
export async function resolveFromIndex(options: IndexResolution): Promise<string> {
  const { tool, constraint, layout, platform } = options;
  const name = toolDisplayName(tool);
  let releases: Release[];
  try {
    releases = parseReleaseIndex(tool, await options.fetchJson(layout.indexUrl));
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError(
      `The ${name} release index ${layout.indexUrl} could not be read: ${(error as Error).message}.`,
      'install-failed',
    );
  }
  const withArchive = releases.filter(
    (r) => !r.files.length || r.files.includes(layout.fileNames(r.version, platform).archive),
  );
  const version = pickVersion(
    withArchive.map((r) => r.version),
    constraint,
  );
  if (version) return version;
  const wanted = isLatest(constraint) ? 'a stable release' : `'${constraint}' (${options.source})`;
  const newest = pickVersion(
    releases.map((r) => r.version),
    undefined,
  );
  const onPlatform = pickVersion(
    releases.map((r) => r.version),
    constraint,
  );
  const why = onPlatform
    ? `${name} ${onPlatform} matches but has no build for ${platform.os}_${platform.arch}`
    : `the newest stable release is ${newest ?? 'unknown'}`;
  throw new ActionError(
    `No ${name} release in ${layout.indexUrl} matches ${wanted}: ${why}. Change the version constraint.`,
    'install-failed',
  );
}
