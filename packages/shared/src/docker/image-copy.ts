import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { childEnv, spawnRunner, type CommandResult, type CommandRunner } from '../util/command.ts';
import { PushError } from './docker-cli.ts';

// Copies an existing image from registry to registry as it is, for
// `source-image`: every platform of a manifest list, every digest unchanged.
// Done with skopeo rather than the registry HTTP API: a copy between
// registries needs each one's token flow (Docker Hub, GHCR and ECR each have
// their bearer realm), blob uploads and mounts, and every manifest media type,
// which containers/image (skopeo's library, kept by the Podman maintainers)
// already does right; skopeo reads the logins this step made from docker's
// config.json (--authfile), and it is installed on GitHub's Ubuntu runners.

export interface ImageCopierOptions {
  /** The run's DOCKER_CONFIG: its config.json holds this step's logins. */
  configDir: string;
  exec?: CommandRunner;
  /** The skopeo binary; default `skopeo` on PATH. */
  binary?: string;
}

export interface CopyOptions {
  /** Plain HTTP allowed: loopback registries only, as the Docker engine allows. */
  sourceInsecure: boolean;
  destinationInsecure: boolean;
  /** Where skopeo writes the digest it pushed. */
  digestFile: string;
}

export type ImageCopier = ReturnType<typeof createImageCopier>;

const MISSING =
  "source-image copies with skopeo, which is not installed on this runner: install the package 'skopeo' " +
  '(sudo apt-get install -y skopeo on Debian and Ubuntu; GitHub-hosted Ubuntu runners have it)';

export function createImageCopier(options: ImageCopierOptions) {
  const exec = options.exec ?? spawnRunner();
  const binary = options.binary ?? 'skopeo';
  const authfile = path.join(options.configDir, 'config.json');
  const env = { ...childEnv(process.env), DOCKER_CONFIG: options.configDir };

  const skopeo = async (args: string[], echo = false): Promise<CommandResult> => {
    try {
      return await exec(binary, args, { cwd: process.cwd(), env, echo });
    } catch {
      throw new ActionError(`${MISSING}.`, 'skopeo-unavailable');
    }
  };

  return {
    /** Fails with one clear line, naming the package, when skopeo cannot run. */
    async check(): Promise<string> {
      const result = await skopeo(['--version']);
      if (result.exitCode !== 0)
        throw new ActionError(`${MISSING} (${lastLine(result.stderr)}).`, 'skopeo-unavailable');
      return result.stdout.trim();
    },

    /** Copies `source` to `destination` (both without `docker://`); resolves to the digest stored there. */
    async copy(source: string, destination: string, copy: CopyOptions): Promise<string> {
      const args = [
        'copy',
        '--all',
        '--preserve-digests',
        '--authfile',
        authfile,
        '--digestfile',
        copy.digestFile,
        ...(copy.sourceInsecure ? ['--src-tls-verify=false'] : []),
        ...(copy.destinationInsecure ? ['--dest-tls-verify=false'] : []),
        `docker://${source}`,
        `docker://${destination}`,
      ];
      const result = await skopeo(args, true);
      if (result.exitCode !== 0) {
        throw new PushError(destination, result.stderr, `${result.stdout}\n${result.stderr}`, `Copying ${source} to`);
      }
      const digest = (await readFile(copy.digestFile, 'utf8').catch(() => '')).trim();
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
        throw new PushError(destination, `skopeo wrote no digest for the copy`, '', `Copying ${source} to`);
      }
      return digest;
    },

    /**
     * The digest `reference` has in its registry (of the manifest or the
     * manifest list itself, hashed from its raw bytes), or undefined when
     * there is no such tag.
     */
    async digest(reference: string, insecure: boolean): Promise<string | undefined> {
      const args = ['inspect', '--raw', '--authfile', authfile, ...(insecure ? ['--tls-verify=false'] : [])];
      const result = await skopeo([...args, `docker://${reference}`]);
      if (result.exitCode !== 0) {
        if (/manifest unknown|name unknown|not found|no such/i.test(result.stderr)) return undefined;
        throw new ActionError(
          `Could not read the digest of ${reference}: ${lastLine(result.stderr)}.`,
          'registry-lookup-failed',
        );
      }
      return `sha256:${createHash('sha256').update(result.stdout, 'utf8').digest('hex')}`;
    },
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) || '(no output)';
}
