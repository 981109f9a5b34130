import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubApiFake, type GitHubApiFake } from '../../fakes/github-api.ts';
import type { PullRequest } from '../../fakes/github-api/schemas.ts';
import { REPO_ROOT } from '../../harness/run-action.ts';
import { startDockerEngine, type DockerEngine } from '../../services/docker-engine.ts';
import { freePort } from '../../services/free-port.ts';
import { startPostgres, type Postgres } from '../../services/postgres.ts';
import { startRegistry, type Registry } from '../../services/registry.ts';
import { startSshServer, type SshServer } from '../../services/sshd.ts';
import { git } from '../../workflow-runner/git.ts';
import {
  pullRequestEvent,
  pushEvent,
  startWorkflowRunner,
  type EnvironmentSettings,
  type ReviewRequest,
  type RunReport,
  type WorkflowEvent,
  type WorkflowRunner,
} from '../../workflow-runner/index.ts';
import { createTestRepository, type TestRepository } from '../../workflow-runner/test-repository.ts';

// The reference repository (examples/) as its users run it, through the
// workflow tier: a git repository `acme/infra` holding examples/'s infra/,
// app/, ansible/ and .github/workflows/ (the callers), whose `uses:` of
// `acme/iac-actions/...@v1` (and the reusable workflows' own
// `iac-actions/iac-actions/actions/...@main`) resolve to this checkout; a real
// PostgreSQL holding each environment's state (the `pg` backend); the
// environments dev, staging and prod, prod behind required reviewers and the
// main branch; and, for the deploy scenarios, a Docker engine, a registry and
// an SSH host. The fake GitHub's clock is the test's, so an approval is
// "after" a plan comment because the test says so, not because time passed.

export const REPOSITORY = 'acme/infra';
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
const EXAMPLES = path.join(REPO_ROOT, 'examples');

export interface ReferenceWorldOptions {
  /** Start the Docker engine, the registry and the SSH host (the deploy scenarios). */
  deploy?: boolean;
  /** Who approves a deployment review of prod; default: alice approves. */
  reviewer?: (request: ReviewRequest) => { approve: boolean; by: string; comment?: string };
}

export interface ReferenceWorld {
  runner: WorkflowRunner;
  github: GitHubApiFake;
  repo: TestRepository;
  pg: Postgres;
  engine?: DockerEngine;
  registry?: Registry;
  sshd?: SshServer;
  /** Every secret of the repository and its environments, to search the channels for. */
  secrets: Record<string, string>;
  /** The app's .env content (a secret). */
  appEnv: string;
  /** The app's URL in each environment, once deployed. */
  appUrl(environment: Environment): string;
  /** Moves the fake GitHub's clock on (comments, reviews and merges get later times). */
  tick(minutes?: number): void;
  /** Commits `files` on `branch` (from main) and opens a pull request; its `pull_request` event. */
  openPullRequest(
    branch: string,
    files: Record<string, string | null>,
    title?: string,
  ): Promise<{ pull: PullRequest; event: WorkflowEvent }>;
  /** Another commit on the pull request's branch (`synchronize`). */
  pushToPullRequest(pull: PullRequest, files: Record<string, string | null>): Promise<WorkflowEvent>;
  /** An approving review of the pull request's head by `by` (default bob, not the author). */
  approve(pull: PullRequest, by?: string): void;
  /** Merges the pull request into main with a merge commit; the `push` event of main. */
  merge(pull: PullRequest): Promise<WorkflowEvent>;
  /** A push of `files` straight to main; its `push` event. */
  pushToMain(files: Record<string, string | null>): Promise<WorkflowEvent>;
  /** Runs a caller of the reference repository. */
  run(workflow: string, event: WorkflowEvent): Promise<RunReport>;
  /** The terraform state's serial of an environment's stack, from PostgreSQL. */
  stateSerial(environment: Environment): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startReferenceWorld(options: ReferenceWorldOptions = {}): Promise<ReferenceWorld> {
  const registryUser = { username: 'deployer', password: `push-${randomBytes(12).toString('hex')}` };
  const started = await Promise.allSettled([
    startPostgres({ database: 'tfstate_dev' }),
    options.deploy ? startDockerEngine() : Promise.resolve(undefined),
    options.deploy ? startRegistry({ [registryUser.username]: registryUser.password }) : Promise.resolve(undefined),
    options.deploy ? startSshServer() : Promise.resolve(undefined),
  ]);
  const stopAll = async () => {
    for (const result of started) {
      if (result.status === 'fulfilled') await result.value?.stop().catch(() => undefined);
    }
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw (failed as PromiseRejectedResult).reason;
  }
  const [pg, engine, registry, sshd] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Postgres,
    DockerEngine | undefined,
    Registry | undefined,
    SshServer | undefined,
  ];
  try {
    return await assemble(pg, engine, registry, sshd, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }

  async function assemble(
    pg: Postgres,
    engine: DockerEngine | undefined,
    registry: Registry | undefined,
    sshd: SshServer | undefined,
    stopAll: () => Promise<void>,
  ): Promise<ReferenceWorld> {
    await Promise.all(['tfstate_staging', 'tfstate_prod'].map((db) => pg.createDatabase(db)));

    // Each environment's app port on the SSH host (the deploy starts the app there): free ones, so that worlds
    // running side by side do not answer for each other.
    const appPorts = Object.fromEntries(
      await Promise.all(ENVIRONMENTS.map(async (env) => [env, await freePort()] as const)),
    ) as Record<Environment, number>;
    let clock = Date.parse('2026-12-01T09:00:00Z');
    const github = await startGitHubApiFake({ repositories: [REPOSITORY], now: () => new Date(clock) });
    const repo = await createTestRepository(await referenceFiles(appPorts));
    // The static busybox the app image is built from (not text: copied, then committed).
    await copyFile('/usr/bin/busybox', path.join(repo.dir, 'app', 'busybox'));
    await repo.commit({}, { message: 'busybox for the app image' });

    const appEnv = `APP_ENVIRONMENT=reference\nDATABASE_URL=postgres://app:${randomBytes(12).toString('hex')}@db/app\n`;
    const secrets: Record<string, string> = {
      PLAN_ENCRYPTION_KEY: randomBytes(24).toString('base64'),
      // Each environment's state: its own database; the password only here.
      TF_BACKEND_CONFIG: JSON.stringify(
        Object.fromEntries(
          ENVIRONMENTS.map((env) => [env, `conn_str=${pg.connectionString({ database: `tfstate_${env}` })}`]),
        ),
      ),
      ...(sshd ? { DEPLOY_SSH_KEY: sshd.clientKey } : {}),
      ...(registry ? { REGISTRY_PASSWORD: registryUser.password } : {}),
      // The app's .env, and what the hosts pull the image with.
      APP_SECRET_VARS: JSON.stringify({
        app_env: appEnv,
        ...(registry ? { registry_password: registryUser.password } : {}),
      }),
    };
    const variables: Record<string, string> = {
      ...(registry ? { REGISTRY: registry.host, REGISTRY_USER: registryUser.username } : {}),
      ...(sshd ? { SSH_PORT: String(sshd.port), DEPLOY_USER: sshd.user, KNOWN_HOSTS: sshd.knownHosts.trim() } : {}),
      ...(engine ? { APP_DOCKER_HOST: engine.host } : {}),
      // Where this world's hosts keep each environment's .env: its own, apart from another world's on this machine.
      APP_CONFIG_DIR: await mkdtemp(path.join(tmpdir(), 'app-config-')),
      DEV_URL: `http://127.0.0.1:${appPorts.dev}`,
      STAGING_URL: `http://127.0.0.1:${appPorts.staging}`,
      PROD_URL: `http://127.0.0.1:${appPorts.prod}`,
    };
    const environments: Record<string, EnvironmentSettings> = {
      dev: {},
      staging: {},
      // Production: two people, and only from main.
      prod: { reviewers: ['alice', 'carol'], branches: ['main'] },
    };
    const runner = await startWorkflowRunner({
      github,
      repository: REPOSITORY,
      repositories: {
        [REPOSITORY]: { dir: repo.dir },
        // The callers' `acme/iac-actions/...@v1`, and the reusable workflows' own references to the suite's actions.
        'acme/iac-actions': REPO_ROOT,
        'iac-actions/iac-actions': REPO_ROOT,
      },
      secrets,
      variables,
      environments,
      reviewer: options.reviewer ?? (() => ({ approve: true, by: 'alice' })),
      // The runner machine's engine, as a self-hosted runner's DOCKER_HOST.
      ...(engine ? { machineEnv: { DOCKER_HOST: engine.host } } : {}),
    });

    const world: ReferenceWorld = {
      runner,
      github,
      repo,
      pg,
      ...(engine ? { engine } : {}),
      ...(registry ? { registry } : {}),
      ...(sshd ? { sshd } : {}),
      secrets,
      appEnv,
      appUrl: (environment) => `http://127.0.0.1:${appPorts[environment]}`,
      tick(minutes = 1) {
        clock += minutes * 60_000;
      },
      async openPullRequest(branch, files, title = `Change ${branch}`) {
        const base = await repo.head('main');
        const headSha = await repo.commit(files, { branch, from: 'main', message: title });
        world.tick();
        const pull = github.seedPullRequest(REPOSITORY, { title, head: branch, headSha, baseSha: base, user: 'dana' });
        return { pull, event: pullRequestEvent(pull, 'opened') };
      },
      async pushToPullRequest(pull, files) {
        const headSha = await repo.commit(files, { branch: pull.head.ref, message: 'more' });
        world.tick();
        const updated = github.pushToPullRequest(REPOSITORY, pull.number, headSha);
        Object.assign(pull, updated);
        return pullRequestEvent(updated, 'synchronize');
      },
      approve(pull, by = 'bob') {
        world.tick();
        github.seedReview(REPOSITORY, pull.number, { user: by, state: 'APPROVED', commitId: pull.head.sha });
      },
      async merge(pull) {
        const before = await repo.head('main');
        await git(repo.dir, ['checkout', '-q', 'main']);
        await git(repo.dir, ['merge', '-q', '--no-ff', '-m', `Merge pull request #${pull.number}`, pull.head.ref]);
        const after = await repo.head('main');
        world.tick();
        github.mergePullRequest(REPOSITORY, pull.number, { user: 'dana', mergeCommitSha: after });
        return pushEvent({ repository: REPOSITORY, ref: 'main', before, after, pusher: 'dana' });
      },
      async pushToMain(files) {
        const before = await repo.head('main');
        const after = await repo.commit(files, { branch: 'main' });
        world.tick();
        return pushEvent({ repository: REPOSITORY, ref: 'main', before, after });
      },
      run: (workflow, event) => runner.run({ workflow, event }),
      async stateSerial(environment) {
        const rows = await pg
          .query(`SELECT data FROM "${environment}_app".states WHERE name = 'default'`, `tfstate_${environment}`)
          .catch(() => []);
        const data = rows[0]?.[0];
        return data ? (JSON.parse(data) as { serial: number }).serial : undefined;
      },
      async close() {
        await runner.close();
        if (engine) {
          // The apps the deploys started, before the engine stops.
          await engine.docker(['rm', '--force', 'example-app']).catch(() => undefined);
        }
        await github.close();
        await repo.remove();
        await rm(variables.APP_CONFIG_DIR!, { recursive: true, force: true });
        await stopAll();
      },
    };
    return world;
  }

  /** The reference repository's text files: examples/'s infra, app, ansible and callers, and the hosts of each environment here. */
  async function referenceFiles(appPorts: Record<Environment, number>): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const file of (await git(REPO_ROOT, ['ls-files', '-co', '--exclude-standard', 'examples'])).split('\n')) {
      const relative = file.replace(/^examples\//, '');
      if (!/^(infra|app|ansible|\.github)\//.test(relative)) continue;
      // Tracked files this checkout deleted are not part of it.
      const text = await readFile(path.join(EXAMPLES, relative), 'utf8').catch(() => undefined);
      if (text !== undefined) files[relative] = text;
    }
    // The hosts of each environment: this machine's SSH host, the app on the environment's port.
    for (const env of ENVIRONMENTS) {
      files[`infra/environments/${env}/terraform.tfvars.json`] =
        `${JSON.stringify({ hosts: ['127.0.0.1'], app_port: appPorts[env] }, null, 2)}\n`;
    }
    return files;
  }
}
