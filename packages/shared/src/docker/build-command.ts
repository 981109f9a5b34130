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
    if (pushedByBuildx(options, builder)) args.push('--push');
    else args.push('--load');
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
