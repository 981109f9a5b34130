import { invalidInput } from '../action/action-error.ts';

// The `docker build` / `docker buildx build` command line for one publish.
// Pure: which builder runs is decided by the caller (buildx when installed).

export type Builder = 'buildx' | 'classic';

export interface BuildOptions {
  context: string;
  file: string;
  target: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Every reference the image gets (name:tag). */
  tags: readonly string[];
  platforms: readonly string[];
  cacheFrom: readonly string[];
  cacheTo: readonly string[];
  /** Secret id → the 0600 file that holds its value. */
  secretFiles: Record<string, string>;
  /** `provenance` input as given: '' leaves buildx's default. */
  provenance: string;
  push: boolean;
  load: boolean;
  noCache: boolean;
  pull: boolean;
  /**
   * OCI annotations as buildx's `--annotation` takes them (`manifest:key=value`):
   * written only where buildx pushes (the classic builder and `docker push` have none).
   */
  annotations: readonly string[];
}

export interface BuildFiles {
  /** Where the builder writes the image ID. */
  iidFile: string;
  /** Where buildx writes its metadata (the pushed digest). */
  metadataFile: string;
}

/**
 * Whether the image is pushed by buildx itself rather than by `docker push`
 * per reference: a multi-platform image cannot be loaded into the engine, and
 * provenance attestations exist only in what buildx pushes.
 */
export function pushedByBuildx(options: BuildOptions, builder: Builder): boolean {
  return builder === 'buildx' && options.push && (options.platforms.length > 1 || provenanceRequested(options));
}

function provenanceRequested(options: BuildOptions): boolean {
  return options.provenance !== '' && options.provenance !== 'false';
}

/** `os[/arch[/variant]]` as docker and buildx take it (`linux/amd64`, `linux/arm/v7`), or buildx's `local`. */
const PLATFORM = /^[a-z0-9]+(?:\/[a-z0-9_]+(?:\/[a-z0-9.]+)?)?$/;
/** A Dockerfile stage name. */
const STAGE = /^[A-Za-z][A-Za-z0-9_.-]*$/;
/** A build secret's id: it goes into `--secret id=…,src=…`, where a comma would add another field. */
const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
/** Whitespace or a control character: never right in a key, a platform or a CSV option. */
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;
/** Control characters (a line break, a carriage return, NUL): never right in a value given on a command line. */
const CONTROL = /\p{Cc}/u;

/**
 * Checks the build options that do not depend on the builder, before any
 * login or build: docker would refuse them only after the logins, or read
 * them as something else (a comma in a secret id adds a field).
 */
export function checkBuildInputs(
  options: Omit<BuildOptions, 'tags' | 'labels' | 'secretFiles'>,
  more: { labels: Record<string, string>; secretIds: readonly string[] },
): void {
  for (const platform of options.platforms) {
    if (!PLATFORM.test(platform)) {
      throw invalidInput(
        'platforms',
        `has ${shown(platform)}, which is not a platform: write os/arch[/variant] in lowercase, e.g. linux/amd64 or linux/arm/v7`,
      );
    }
  }
  if (new Set(options.platforms).size !== options.platforms.length) {
    throw invalidInput('platforms', 'names a platform twice; give each once');
  }
  if (options.load && options.platforms.length > 1) {
    throw invalidInput(
      'load',
      'cannot load a multi-platform image into the Docker engine; set one platform or load: false',
    );
  }
  if (options.target && !STAGE.test(options.target)) {
    throw invalidInput(
      'target',
      `is ${shown(options.target)}, which is not a build stage name: letters, digits, '_', '.' and '-', starting with a letter`,
    );
  }
  if (SPACE_OR_CONTROL.test(options.provenance)) {
    throw invalidInput(
      'provenance',
      "has a space or a line break: write it as buildx's --provenance takes it, e.g. mode=max",
    );
  }
  for (const [input, entries] of [
    ['cache-from', options.cacheFrom],
    ['cache-to', options.cacheTo],
  ] as const) {
    if (entries.some((entry) => CONTROL.test(entry))) {
      throw invalidInput(input, 'has a control character; write one cache option per line, e.g. type=gha,mode=max');
    }
  }
  for (const [input, keys] of [
    ['build-args', Object.keys(options.buildArgs)],
    ['labels', Object.keys(more.labels)],
  ] as const) {
    const bad = keys.find((key) => SPACE_OR_CONTROL.test(key));
    if (bad !== undefined) throw invalidInput(input, `has the key ${shown(bad)} with a space in it; write KEY=VALUE`);
  }
  if (Object.values(options.buildArgs).some((value) => CONTROL.test(value))) {
    throw invalidInput('build-args', 'has a value with a control character (a carriage return?); give plain text');
  }
  // The id is not quoted: a line that is a secret with an `=` in it would read as an id.
  const badId = more.secretIds.findIndex((id) => !SECRET_ID.test(id));
  if (badId >= 0) {
    throw invalidInput(
      'secrets',
      `has an ID (entry ${badId + 1}) that is not letters, digits, '_', '.' or '-'; write ID=VALUE, one per line`,
    );
  }
}

/** A value from the input, for a message: JSON-quoted (one line), cut when long. */
function shown(text: string, max = 100): string {
  const json = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return `'${json.slice(1, -1)}'`;
}

/** The arguments after `docker`; throws for an option the builder cannot honour, before anything runs. */
export function buildCommand(options: BuildOptions, builder: Builder, files: BuildFiles): string[] {
  if (builder === 'classic') refuseBuildKitOnly(options);
  if (builder === 'buildx' && options.load && options.platforms.length > 1) {
    throw invalidInput(
      'load',
      'cannot load a multi-platform image into the Docker engine; set one platform or load: false',
    );
  }
  const args = builder === 'buildx' ? ['buildx', 'build'] : ['build'];
  if (options.file) args.push('--file', options.file);
  if (options.target) args.push('--target', options.target);
  for (const [name, value] of Object.entries(options.buildArgs)) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.labels)) args.push('--label', `${name}=${value}`);
  for (const tag of options.tags) args.push('--tag', tag);
  if (options.platforms.length) args.push('--platform', options.platforms.join(','));
  for (const source of options.cacheFrom) args.push('--cache-from', source);
  for (const target of options.cacheTo) args.push('--cache-to', target);
  if (options.noCache) args.push('--no-cache');
  if (options.pull) args.push('--pull');
  args.push('--iidfile', files.iidFile);
  if (builder === 'buildx') {
    for (const [id, file] of Object.entries(options.secretFiles)) args.push('--secret', `id=${id},src=${file}`);
    if (options.provenance) args.push(`--provenance=${options.provenance}`);
    args.push('--metadata-file', files.metadataFile);
    if (pushedByBuildx(options, builder)) {
      for (const annotation of options.annotations) args.push('--annotation', annotation);
      args.push('--push');
    } else args.push('--load');
  }
  args.push(options.context);
  return args;
}

function refuseBuildKitOnly(options: BuildOptions): void {
  const needsBuildx = (input: string, what: string) =>
    invalidInput(
      input,
      `${what} needs BuildKit, and docker buildx is not installed on this runner; install it (docker/setup-buildx-action) or remove '${input}'`,
    );
  if (options.platforms.length > 1) throw needsBuildx('platforms', 'building for several platforms');
  if (options.cacheTo.length) throw needsBuildx('cache-to', 'exporting a build cache');
  if (Object.keys(options.secretFiles).length) throw needsBuildx('secrets', 'mounting build secrets');
  if (provenanceRequested(options)) throw needsBuildx('provenance', 'a provenance attestation');
}
