import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactJob } from '../fakes/artifact-service.ts';
import { REPO_ROOT, runAction, type ActionRun } from '../harness/run-action.ts';
import { webhookPayload } from '../harness/webhooks.ts';
import { startDockerEngine, type DockerEngine } from '../services/docker-engine.ts';
import { freePort } from '../services/free-port.ts';
import { startPostgres, type Postgres } from '../services/postgres.ts';
import { startRegistry, type Registry } from '../services/registry.ts';
import { startSshServer, type SshServer } from '../services/sshd.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';
import { startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

// The reference repository (examples/) as its users run it, with a real
// terraform: each environment's stack (infra/environments/{dev,staging,prod})
// and the global DNS stack planned and applied by the committed tf-plan and
// tf-apply bundles, the state in a real PostgreSQL (the `pg` backend, one
// database per environment, configured at init), the hosts' addresses given
// as a generated hosts.auto.tfvars.json; state locking held for real by
// PostgreSQL; and the playbook (ansible/deploy.yml) deploying the app image
// by digest on the dev stack's hosts, with its .env file as a secret.

const execFileAsync = promisify(execFile);
const EXAMPLES = path.join(REPO_ROOT, 'examples');

interface Stack {
  /** The stack's directory in the reference repository (the checkout's root is examples/). */
  dir: string;
  /**
   * Its own database and schema: backend-config `conn_str` and `schema_name`.
   * (tf-plan and tf-apply mask every backend-config value: a schema named
   * like the environment would star out the environment's name in the logs.)
   */
  database: string;
  schema: string;
  /** hosts.auto.tfvars.json, as a workflow step writes it; none for a stack without hosts. */
  hosts?: { hosts: string[]; app_port: number };
}

const registryUser = { username: 'deployer', password: `pull-${randomBytes(12).toString('hex')}` };

describe(
  'the reference repository with a real terraform, its state in PostgreSQL',
  { skip: skipWithoutRealTerraform },
  () => {
    let world: TerraformWorld;
    let pg: Postgres;
    let engine: DockerEngine;
    let registry: Registry;
    let sshd: SshServer;
    /** A checkout of the reference repository: examples/ is its root. */
    let checkout: string;
    let stacks: Record<'dev' | 'staging' | 'prod' | 'dns', Stack>;
    /** Every run of an action, to search for secrets at the end. */
    const runs: ActionRun[] = [];
    /** The artifact service's job of every workflow run. */
    const jobs: ArtifactJob[] = [];
    /** tf-apply's runs of the first apply, by stack. */
    const applied: Partial<Record<keyof typeof stacks, ActionRun>> = {};

    beforeAll(async () => {
      const started = await Promise.allSettled([
        startTerraformWorld(),
        startPostgres({ database: 'tfstate_dev' }),
        startDockerEngine(),
        startRegistry({ [registryUser.username]: registryUser.password }),
        startSshServer(),
      ]);
      const [w, p, e, r, s] = started;
      if (w.status === 'fulfilled') world = w.value;
      if (p.status === 'fulfilled') pg = p.value;
      if (e.status === 'fulfilled') engine = e.value;
      if (r.status === 'fulfilled') registry = r.value;
      if (s.status === 'fulfilled') sshd = s.value;
      for (const result of started) if (result.status === 'rejected') throw result.reason;

      await Promise.all(['tfstate_staging', 'tfstate_prod', 'tfstate_global'].map((db) => pg.createDatabase(db)));
      stacks = {
        dev: {
          dir: 'infra/environments/dev',
          database: 'tfstate_dev',
          schema: 'dev_app',
          hosts: { hosts: ['127.0.0.1'], app_port: await freePort() },
        },
        staging: {
          dir: 'infra/environments/staging',
          database: 'tfstate_staging',
          schema: 'staging_app',
          hosts: { hosts: ['127.0.0.2', '127.0.0.3'], app_port: 8080 },
        },
        prod: {
          dir: 'infra/environments/prod',
          database: 'tfstate_prod',
          schema: 'prod_app',
          hosts: { hosts: ['10.30.0.11', '10.30.0.12', '10.30.0.13'], app_port: 8443 },
        },
        dns: { dir: 'infra/global/dns', database: 'tfstate_global', schema: 'global_dns' },
      };
      checkout = await mkdtemp(path.join(world.dir, 'reference-'));
      for (const dir of ['infra', 'app', 'ansible']) {
        await cp(path.join(EXAMPLES, dir), path.join(checkout, dir), {
          recursive: true,
          filter: (source) => !/\.terraform|tfstate|\.auto\.tfvars\.json$/.test(source),
        });
      }
      for (const stack of Object.values(stacks)) {
        if (stack.hosts) {
          await writeFile(path.join(checkout, stack.dir, 'hosts.auto.tfvars.json'), JSON.stringify(stack.hosts));
        }
      }
    });

    afterAll(async () => {
      // A running container would hold the engine's network namespace as it stops.
      await engine?.docker(['rm', '--force', 'example-app-dev']).catch(() => undefined);
      await Promise.allSettled([world?.close(), pg?.stop(), engine?.stop(), registry?.stop(), sshd?.stop()]);
      await Promise.all(runs.map((run) => run.cleanup()));
    });

    /** The inputs that name a stack and its backend; the password comes from PGPASSWORD. */
    const stackInputs = (stack: Stack) => ({
      tool: REAL_TERRAFORM!.tool,
      'working-directory': stack.dir,
      'backend-config': [
        `conn_str=${pg.connectionString({ database: stack.database, password: false })}`,
        `schema_name=${stack.schema}`,
      ].join('\n'),
    });

    /** A push of `sha`, as one run of a workflow sees it. */
    const pushRun = (sha: string) => {
      const payload = webhookPayload('push');
      Object.assign(payload, { after: sha });
      const job = world.artifacts.newJob();
      jobs.push(job);
      return {
        workspace: checkout,
        double: false as const,
        event: { name: 'push', payload },
        env: { ...world.artifacts.env(job), PGPASSWORD: pg.password },
      };
    };

    async function plan(stack: Stack, run: ReturnType<typeof pushRun>, inputs: Record<string, string> = {}) {
      const planned = await world.run('tf-plan', {
        ...run,
        inputs: { ...stackInputs(stack), version: REAL_TERRAFORM!.version, ...inputs },
      });
      runs.push(planned);
      assert.equal(planned.main.exitCode, 0, planned.main.log);
      return planned;
    }

    async function apply(
      stack: Stack,
      run: ReturnType<typeof pushRun>,
      planned: ActionRun,
      inputs: Record<string, string> = {},
      onLine?: (line: string) => void,
    ) {
      const result = await world.run('tf-apply', {
        ...run,
        inputs: { ...stackInputs(stack), 'plan-digest': planned.main.outputs['plan-digest']!, ...inputs },
        ...(onLine ? { onLine } : {}),
      });
      runs.push(result);
      return result;
    }

    const outputsOf = (run: ActionRun) =>
      JSON.parse(run.main.outputs['outputs-json'] ?? '{}') as Record<string, { value: unknown }>;

    it("plans and applies each environment's stack and the global DNS stack, each with its own backend, and outputs what the deploy needs", async () => {
      await Promise.all(
        Object.entries(stacks).map(async ([name, stack], index) => {
          const run = pushRun(String(index + 1).repeat(40));
          const planned = await plan(stack, run);
          expect(planned.main.outputs.changes).toBe('true');
          const result = await apply(stack, run, planned);
          assert.equal(result.main.exitCode, 0, result.main.log);
          expect(result.main.outputs.applied).toBe('true');
          applied[name as keyof typeof stacks] = result;
        }),
      );

      for (const env of ['dev', 'staging', 'prod'] as const) {
        const { hosts } = stacks[env];
        const outputs = outputsOf(applied[env]!);
        // ansible-deploy's inventory (terraform-hosts-output: hosts) and the smoke test's URL.
        expect(outputs.hosts?.value).toEqual({ app: hosts!.hosts });
        expect(outputs.app_url?.value).toBe(`http://${hosts!.hosts[0]}:${hosts!.app_port}`);
        expect(outputs.app_port?.value).toBe(hosts!.app_port);
        expect(outputs.environment?.value).toBe(env);
      }
      // The stack that does not use the app module.
      expect(outputsOf(applied.dns!)).toMatchObject({
        zone: { value: 'example.internal' },
        subdomains: {
          value: { dev: 'dev.example.internal', staging: 'staging.example.internal', prod: 'prod.example.internal' },
        },
      });
    });

    it("keeps each stack's state in its environment's database only, and the database password in no log, artifact or file", async () => {
      for (const [name, stack] of Object.entries(stacks)) {
        const rows = await pg.query(`SELECT name, data FROM "${stack.schema}".states`, stack.database);
        expect(
          rows.map(([workspace]) => workspace),
          name,
        ).toEqual(['default']);
        const state = JSON.parse(rows[0]![1]!) as { resources: { module?: string; type: string }[] };
        expect(new Set(state.resources.map((r) => r.type))).toEqual(new Set(['terraform_data']));
        expect(state.resources.some((r) => r.module === 'module.app')).toBe(name !== 'dns');
        // The environment's database holds this stack's schema and no other's.
        const schemas = await pg.query(
          "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('public', 'information_schema') AND schema_name NOT LIKE 'pg\\_%'",
          stack.database,
        );
        expect(schemas, name).toEqual([[stack.schema]]);
      }
      // No state (nor backend settings) beside the stacks: the data directories are under RUNNER_TEMP.
      const files = (await readdir(checkout, { recursive: true })).map(String);
      expect(files.filter((file) => /tfstate|(^|\/)\.terraform(\/|$)/.test(file))).toEqual([]);

      // The conn_str has no password (PGPASSWORD has it): Terraform keeps conn_str in every plan file.
      const planArtifacts = jobs
        .flatMap((job) => world.artifacts.artifacts(job))
        .filter((artifact) => artifact.name.startsWith('tfplan-'));
      expect(planArtifacts.length).toBeGreaterThanOrEqual(4);
      const contents = await Promise.all(planArtifacts.map((artifact) => unzippedText(artifact.content!)));
      for (const [i, text] of contents.entries()) expect(text, planArtifacts[i]!.name).not.toContain(pg.password);
      // Each stack's plan does hold its conn_str: a password in it would be in the artifact.
      for (const stack of Object.values(stacks)) {
        const bare = pg.connectionString({ database: stack.database, password: false });
        expect(contents.some((text) => text.includes(bare))).toBe(true);
      }
      for (const run of runs) expect(run.visibleText()).not.toContain(pg.password);
    });

    describe('the playbook, on the dev stack’s hosts', () => {
      const appEnv = (secret: string) => `APP_ENVIRONMENT=dev\nAPP_SECRET_KEY=${secret}\n`;
      const fingerprint = (content: string) => createHash('sha256').update(content).digest('hex').slice(0, 16);
      let image: string;
      /** The "host"'s configuration directory (app_config_dir): outside the checkout. */
      let hostDir: string;

      beforeAll(async () => {
        image = await publishApp(engine, registry, world.dir);
        // The playbook keeps each environment's .env under <app_config_dir>/<environment>.
        hostDir = path.join(await mkdtemp(path.join(world.dir, 'host-')), 'example-app');
      });

      /** ansible-deploy as deploy.yml runs it: the inventory from the dev stack's outputs, the .env from a secret. */
      async function deploy(content: string): Promise<ActionRun> {
        const outputs = outputsOf(applied.dev!);
        const run = await runAction('ansible-deploy', {
          workspace: checkout,
          inputs: {
            'working-directory': 'ansible',
            playbook: 'deploy.yml',
            'inventory-from-terraform': applied.dev!.main.outputs['outputs-json']!,
            'terraform-hosts-output': 'hosts',
            // How to reach the hosts (the port of this sshd) is the runner's business, not the stack's.
            inventory: `[all:vars]\nansible_port=${sshd.port}\nansible_python_interpreter=/usr/bin/python3\n`,
            user: sshd.user,
            'private-key': sshd.clientKey,
            'known-hosts': sshd.knownHosts,
            'secret-vars': JSON.stringify({ app_env: content }),
            'extra-vars': JSON.stringify({
              image_ref: image,
              // As deploy.yml passes them: the environment's name and the app's port come from here.
              terraform_outputs: outputs,
              app_config_dir: hostDir,
              docker_host: engine.host,
              registry_username: registryUser.username,
              registry_password: registryUser.password,
            }),
          },
          timeoutMs: 180_000,
        });
        runs.push(run);
        return run;
      }

      const appUrl = () => outputsOf(applied.dev!).app_url!.value as string;
      const page = async (route: string) => {
        const response = await fetch(`${appUrl()}${route}`);
        expect(response.status, route).toBe(200);
        return response.text();
      };
      const containerId = async () =>
        (await engine.docker(['inspect', '--format', '{{.Id}}', 'example-app-dev'])).trim();

      it('starts the image by digest where the stack says, with the .env file written 0600 on the host and read by the app', async () => {
        const secret = `app-secret-${randomBytes(12).toString('hex')}`;
        const content = appEnv(secret);
        const run = await deploy(content);
        assert.equal(run.main.exitCode, 0, run.main.log);
        expect(run.main.outputs['changed-hosts']).toBe('127.0.0.1');
        expect(run.main.log).toMatch(
          /TASK \[Pull the image by digest\][^\n]*\n[^\n]*\n?[^\n]*changed: \[127\.0\.0\.1\]/,
        );
        const [container] = JSON.parse(await engine.docker(['container', 'inspect', 'example-app-dev'])) as {
          Config: { Image: string };
          State: { Running: boolean };
        }[];
        expect(container).toMatchObject({ Config: { Image: image }, State: { Running: true } });

        // At the stack's app_url: the app's pages, and what it read of the .env file (names and a fingerprint).
        expect(await page('/health')).toMatch(/^OK/);
        expect(JSON.parse(await page('/config.json'))).toEqual({
          environment: 'dev',
          env_file: 'loaded',
          fingerprint: fingerprint(content),
          variables: ['APP_ENVIRONMENT', 'APP_SECRET_KEY'],
        });
        for (const route of ['/', '/config.json', '/version.json']) expect(await page(route)).not.toContain(secret);

        // On the host: readable by root only; nowhere in the checkout, the log, or what the step left.
        const envDir = path.join(hostDir, 'dev');
        expect((await stat(envDir)).mode & 0o777).toBe(0o700);
        expect((await stat(path.join(envDir, 'app.env'))).mode & 0o777).toBe(0o600);
        expect(await readFile(path.join(envDir, 'app.env'), 'utf8')).toBe(content);
        expect(run.visibleText()).not.toContain(secret);
        expect(await filesContaining(checkout, secret)).toEqual([]);
        expect(await filesContaining(run.runnerTemp, secret)).toEqual([]);
      });

      it('changes nothing when run again with the same image and .env, and replaces the container when the .env changes', async () => {
        const first = await containerId();
        const secret = `app-secret-${randomBytes(12).toString('hex')}`;
        const content = appEnv(secret);
        const changed = await deploy(content);
        assert.equal(changed.main.exitCode, 0, changed.main.log);
        const replaced = await containerId();
        expect(replaced).not.toBe(first);
        expect(JSON.parse(await page('/config.json'))).toMatchObject({ fingerprint: fingerprint(content) });

        const again = await deploy(content);
        assert.equal(again.main.exitCode, 0, again.main.log);
        expect(again.main.outputs.changed).toBe('0');
        expect(await containerId()).toBe(replaced);
        for (const run of [changed, again]) expect(run.visibleText()).not.toContain(secret);
      });
    });

    describe('state locking in PostgreSQL', () => {
      const dev = () => stacks.dev;
      /** Released by the test: the file the `hold_lock` provisioner waits for. */
      const releases: string[] = [];

      beforeAll(async () => {
        // Test only: an apply that holds the state lock until the test creates a file (a minute at most).
        await writeFile(
          path.join(checkout, dev().dir, 'hold_lock.tf'),
          [
            'variable "hold_release_file" {',
            '  type    = string',
            '  default = ""',
            '}',
            'resource "terraform_data" "hold_lock" {',
            '  triggers_replace = var.hold_release_file',
            '  provisioner "local-exec" {',
            '    command     = "i=0; while [ ! -e \\"$RELEASE\\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; [ -e \\"$RELEASE\\" ]"',
            '    environment = { RELEASE = var.hold_release_file }',
            '  }',
            '}',
            '',
          ].join('\n'),
        );
      });
      afterAll(async () => {
        // Whatever happened, nothing waits for a file any more.
        await Promise.all(releases.map((file) => writeFile(file, '')));
      });

      const releaseFile = () => {
        const file = path.join(world.dir, `release-${releases.length + 1}`);
        releases.push(file);
        return file;
      };
      /** The advisory locks granted on dev's state row (the pg backend's lock), and by which sessions. */
      const lockHolders = () =>
        pg.query(
          `SELECT l.pid FROM pg_locks l JOIN "${dev().schema}".states s
           ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint) = s.id
        WHERE s.name = 'default' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          dev().database,
        );
      const serial = async () =>
        (await pg.query(`SELECT data::json->>'serial' FROM "${dev().schema}".states`, dev().database))[0]?.[0];
      /** A promise of the first log line that matches, and the onLine callback that watches for it. */
      const watch = (pattern: RegExp) => {
        let seen!: () => void;
        const promise = new Promise<void>((resolve) => (seen = resolve));
        return { promise, onLine: (line: string) => pattern.test(line) && seen() };
      };
      /** Waits for `watched`, failing with the run's log when the run ends first. */
      const whileRunning = async (watched: Promise<void>, running: Promise<ActionRun>, what: string) =>
        Promise.race([
          watched,
          running.then((run) => {
            throw new Error(`the run ended before ${what}:\n${run.main.log}`);
          }),
        ]);

      it('makes a second apply of the stack wait up to lock-timeout and then fail with state-locked, applying nothing; another environment is not held', async () => {
        const first = { run: pushRun('a'.repeat(40)), release: releaseFile() };
        const second = { run: pushRun('b'.repeat(40)), release: releaseFile() };
        const variables = (release: string) => ({ variables: `hold_release_file: ${release}` });
        // Both plans are made before either apply, from the same state.
        const [firstPlan, secondPlan] = await Promise.all([
          plan(dev(), first.run, variables(first.release)),
          plan(dev(), second.run, variables(second.release)),
        ]);
        const before = await serial();

        const holding = watch(/hold_lock: (Provisioning with 'local-exec'|Still creating)/);
        const firstApply = apply(dev(), first.run, firstPlan, variables(first.release), holding.onLine);
        await whileRunning(holding.promise, firstApply, 'it held the lock');
        // The lock is PostgreSQL's: an advisory lock on dev's state row, granted to the first apply's session.
        expect(await lockHolders()).toHaveLength(1);

        const [refused, otherEnvironment] = await Promise.all([
          apply(dev(), second.run, secondPlan, { ...variables(second.release), 'lock-timeout': '2s', timeout: '5m' }),
          // Staging's state is in its own database: its lock is free.
          plan(stacks.staging, pushRun('c'.repeat(40)), { 'lock-timeout': '1s' }),
        ]);
        expect(refused.main.exitCode).not.toBe(0);
        expect(refused.main.outputs['failure-reason'], refused.main.log).toBe('state-locked');
        expect(refused.main.outputs.applied ?? '').not.toBe('true');
        expect(refused.main.log).toMatch(/locked by another session of the PostgreSQL backend/);
        // The pg backend's Lock Info is the waiting run's own: its ID would release nothing.
        expect(refused.main.log).toMatch(/pg_locks/);
        expect(refused.main.log).not.toMatch(/force-unlock [0-9a-f-]{36}/);
        expect(refused.main.log).toMatch(/Waited 2s \(lock-timeout\)/);
        expect(refused.main.summary).toMatch(/state-locked/);
        expect(otherEnvironment.main.outputs.changes).toBe('false');
        expect(await serial()).toBe(before);

        await writeFile(first.release, '');
        const done = await firstApply;
        assert.equal(done.main.exitCode, 0, done.main.log);
        expect(await lockHolders()).toEqual([]);
        expect(Number(await serial())).toBeGreaterThan(Number(before));
      });

      it('lets a second apply that waits take the lock once the first finishes, and then refuses its plan as stale', async () => {
        const first = { run: pushRun('d'.repeat(40)), release: releaseFile() };
        const second = { run: pushRun('e'.repeat(40)), release: releaseFile() };
        const variables = (release: string) => ({ variables: `hold_release_file: ${release}` });
        const [firstPlan, secondPlan] = await Promise.all([
          plan(dev(), first.run, variables(first.release)),
          plan(dev(), second.run, variables(second.release)),
        ]);

        const holding = watch(/hold_lock: (Provisioning with 'local-exec'|Still creating)/);
        const firstApply = apply(dev(), first.run, firstPlan, variables(first.release), holding.onLine);
        await whileRunning(holding.promise, firstApply, 'it held the lock');

        // The log says it waits (after each slice of lock-timeout: a quarter of it, 5 s here), then the first
        // apply ends and releases the lock.
        const waiting = watch(/Waiting for it \(attempt 1;/);
        const secondApply = apply(
          dev(),
          second.run,
          secondPlan,
          { ...variables(second.release), 'lock-timeout': '20s', timeout: '5m' },
          waiting.onLine,
        );
        await whileRunning(waiting.promise, secondApply, 'it waited for the lock');
        await writeFile(first.release, '');
        const [done, waited] = await Promise.all([firstApply, secondApply]);
        assert.equal(done.main.exitCode, 0, done.main.log);
        // It got the lock (no state-locked), and Terraform refused its plan: the first apply changed the state since.
        expect(waited.main.outputs['failure-reason'], waited.main.log).toBe('plan-stale');
        expect(waited.main.outputs.applied ?? '').not.toBe('true');
        expect(await lockHolders()).toEqual([]);
      });
    });
  },
);

/** Builds examples/app, pushes it to the registry, removes it from the engine; its `name@sha256:…`. */
async function publishApp(engine: DockerEngine, registry: Registry, dir: string): Promise<string> {
  const context = await mkdtemp(path.join(dir, 'app-'));
  await cp(path.join(EXAMPLES, 'app'), context, { recursive: true });
  await copyFile('/usr/bin/busybox', path.join(context, 'busybox'));
  const config = await mkdtemp(path.join(dir, 'docker-config-'));
  const auth = Buffer.from(`${registryUser.username}:${registryUser.password}`).toString('base64');
  await writeFile(path.join(config, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  const tag = `${registry.host}/example/app:reference`;
  await engine.docker(['build', '--quiet', '--tag', tag, context]);
  await engine.docker(['push', '--quiet', tag], { env: { DOCKER_CONFIG: config } });
  const digest = await registry.manifestDigest('example/app', 'reference', registryUser);
  assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
  // Pulled by the deploy, as a fresh host would.
  await engine.docker(['image', 'rm', '--force', tag]);
  await rm(config, { recursive: true, force: true });
  return `${registry.host}/example/app@${digest}`;
}

/** The files under `dir` whose content holds `text`. */
async function filesContaining(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(text)) found.push(path.relative(dir, file));
  }
  return found;
}

/** Every file of a zip, and of the zips inside it (a plan file is one), as text. */
async function unzippedText(zip: Uint8Array): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'unzip-'));
  try {
    const texts: string[] = [];
    const expand = async (archive: Buffer, into: string) => {
      await mkdir(into, { recursive: true });
      const file = `${into}.zip`;
      await writeFile(file, archive);
      await execFileAsync('unzip', ['-q', '-o', file, '-d', into]);
      for (const entry of await readdir(into, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const content = await readFile(path.join(entry.parentPath, entry.name));
        texts.push(content.toString('latin1'));
        if (content.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
          await expand(content, path.join(entry.parentPath, `${entry.name}.unzipped`));
        }
      }
    };
    await expand(Buffer.from(zip), path.join(dir, 'artifact'));
    return texts.join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
