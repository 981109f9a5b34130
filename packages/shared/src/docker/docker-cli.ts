import { ActionError } from '../action/action-error.ts';
import { redact } from '../action/mask.ts';
import { childEnv, spawnRunner, type CommandResult, type CommandRunner } from '../util/command.ts';
import { buildErrorHeadline, buildOutputTail } from './build-errors.ts';

// The docker CLI as docker-publish uses it: every command with the run's own
// DOCKER_CONFIG, passwords only on stdin, and failures turned into errors
// that say what failed.

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface DockerCliOptions {
  /** The run's DOCKER_CONFIG (see docker-config.ts). */
  configDir: string;
  exec?: CommandRunner;
  /** The docker binary; default `docker` on PATH. */
  binary?: string;
}

/** A push (or a copy, `action`) that failed; `output` is what docker printed, for the retry decision. */
export class PushError extends ActionError {
  readonly output: string;

  constructor(reference: string, error: string, output = error, action = 'Pushing') {
    super(`${action} ${reference} failed: ${lastLines(error)}`, 'push-failed');
    this.output = output;
  }
}

export type DockerCli = ReturnType<typeof createDockerCli>;

export function createDockerCli(options: DockerCliOptions) {
  const exec = options.exec ?? spawnRunner();
  const binary = options.binary ?? 'docker';
  const env = { ...childEnv(process.env), DOCKER_CONFIG: options.configDir };

  const docker = async (args: string[], more: { echo?: boolean; input?: string } = {}): Promise<CommandResult> => {
    try {
      return await exec(binary, args, { cwd: process.cwd(), env, echo: more.echo ?? false, input: more.input });
    } catch (error) {
      throw new ActionError(
        `Could not run '${binary}' (${error instanceof Error ? error.message : String(error)}); docker-publish needs the Docker CLI and engine on the runner (GitHub's Ubuntu runners have both).`,
        'docker-unavailable',
      );
    }
  };

  return {
    /** The run's DOCKER_CONFIG, whose config.json holds the logins (skopeo reads it too). */
    configDir: options.configDir,

    /** Fails with one clear line when no engine answers. */
    async checkEngine(): Promise<string> {
      const result = await docker(['version', '--format', '{{.Server.Version}}']);
      if (result.exitCode !== 0) {
        throw new ActionError(
          `The Docker engine does not answer: ${lastLines(result.stderr)}. Start it, or set DOCKER_HOST.`,
          'docker-unavailable',
        );
      }
      return result.stdout.trim();
    },

    async hasBuildx(): Promise<boolean> {
      return (await docker(['buildx', 'version'])).exitCode === 0;
    },

    /** `docker login` with the password on stdin; stored in the run's DOCKER_CONFIG only. */
    async login(host: string, credentials: RegistryCredentials): Promise<void> {
      const result = await docker(['login', '--username', credentials.username, '--password-stdin', host], {
        input: credentials.password,
      });
      if (result.exitCode !== 0) {
        throw new ActionError(
          `Login to ${host} as ${credentials.username} failed: ${lastLines(result.stderr)}`,
          'login-failed',
        );
      }
    },

    async build(args: string[]): Promise<void> {
      const result = await docker(args, { echo: true });
      if (result.exitCode !== 0) {
        // The headline is the first real error (not the classic builder's
        // deprecation notice); the output's last lines follow for the summary.
        const headline = buildErrorHeadline(result.stderr.trim() ? result.stderr : result.stdout);
        const tail = buildOutputTail(`${result.stdout}\n${result.stderr}`);
        throw new ActionError(
          redact(
            `docker ${args[0] === 'buildx' ? 'buildx build' : 'build'} failed: ${headline}\nThe build's last lines:\n${tail}`,
          ),
          'build-failed',
        );
      }
    },

    /** Pushes one reference; resolves to the digest the registry stored. */
    async push(reference: string): Promise<string> {
      const result = await docker(['push', reference], { echo: true });
      if (result.exitCode !== 0) throw new PushError(reference, result.stderr, `${result.stdout}\n${result.stderr}`);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(result.stdout)?.[1];
      if (!digest) throw new PushError(reference, `docker push printed no digest:\n${result.stdout}`);
      return digest;
    },

    /**
     * The digest the registry holds `reference` at (the one `docker push`
     * printed), or undefined when it has no such tag. `--insecure` for
     * loopback hosts only, as the engine itself allows plain HTTP for them and
     * nothing else. A multi-platform image (a manifest list or OCI index) is
     * described platform by platform, without the index's own digest: that
     * one is read with buildx's imagetools.
     */
    async manifestDigest(
      reference: string,
      options: { loopback: boolean; buildx: boolean },
    ): Promise<string | undefined> {
      const insecure = options.loopback ? ['--insecure'] : [];
      const result = await docker(['manifest', 'inspect', '--verbose', ...insecure, reference]);
      if (result.exitCode !== 0) {
        if (/no such manifest|manifest unknown|not found/i.test(result.stderr)) return undefined;
        throw lookupFailure(reference, lastLines(result.stderr));
      }
      const inspected = parseJson(result.stdout) as { Descriptor?: { digest?: unknown } } | unknown[] | undefined;
      if (!Array.isArray(inspected)) return checkedDigest(reference, inspected?.Descriptor?.digest);
      if (!options.buildx) {
        throw lookupFailure(
          reference,
          'it is a multi-platform image (a manifest list), whose digest is read with `docker buildx imagetools`, and this runner has no buildx. Set up buildx (docker/setup-buildx-action), or use if-tag-exists: fail',
        );
      }
      const index = await docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', reference]);
      if (index.exitCode !== 0) throw lookupFailure(reference, lastLines(index.stderr));
      return checkedDigest(reference, (parseJson(index.stdout) as { digest?: unknown } | undefined)?.digest);
    },
  };
}

function lookupFailure(reference: string, why: string): ActionError {
  return new ActionError(`Could not read the digest of ${reference}: ${why}.`, 'registry-lookup-failed');
}

function checkedDigest(reference: string, digest: unknown): string {
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw lookupFailure(reference, 'the registry answered without a sha256 digest');
  }
  return digest;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join('\n') || '(no output)';
}
