import { existsSync } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isRecord } from '../util/values.ts';

// A Docker client configuration of this run's own (DOCKER_CONFIG), under
// RUNNER_TEMP: registry logins go there, never into ~/.docker/config.json,
// which other jobs on a shared runner read and overwrite (their logout would
// race with our push). The action removes the directory when it is done.

/** The names Docker Hub has as a key of config.json. */
const DOCKER_HUB_KEYS = ['index.docker.io', 'https://index.docker.io/v1/'];

/** The configuration directory the user's docker CLI would use. */
export function userDockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/**
 * Creates the run's configuration, starting from the user's `config.json`
 * (earlier logins and proxies keep working) and sharing the user's CLI
 * plugins and buildx builders (docker/setup-buildx-action installs them
 * there). A credential store, and the credential helpers of the hosts this
 * run logs in to, are left out: `docker login` would hand our passwords to
 * them, outside RUNNER_TEMP, where removing this directory cannot reach.
 */
export async function createDockerConfig(
  runnerTemp: string,
  userDir: string,
  loginHosts: readonly string[],
): Promise<string> {
  const dir = await mkdtemp(path.join(runnerTemp, 'docker-config-'));
  const config = await readUserConfig(path.join(userDir, 'config.json'));
  delete config.credsStore;
  if (isRecord(config.credHelpers)) {
    const dropped = new Set(loginHosts.flatMap((host) => (host === 'docker.io' ? [host, ...DOCKER_HUB_KEYS] : [host])));
    config.credHelpers = Object.fromEntries(Object.entries(config.credHelpers).filter(([host]) => !dropped.has(host)));
  }
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600, flag: 'wx' });
  for (const shared of ['cli-plugins', 'buildx']) {
    const source = path.join(userDir, shared);
    if (existsSync(source)) await symlink(source, path.join(dir, shared));
  }
  return dir;
}

async function readUserConfig(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {}; // the docker CLI would refuse it too; start clean rather than fail the publish
  }
}
