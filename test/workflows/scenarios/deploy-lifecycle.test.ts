import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaks, type SecretValue } from '../../adversarial/leaks.ts';
import { REAL_TERRAFORM } from '../../e2e/real-terraform.ts';
import {
  workflowDispatchEvent,
  type JobReport,
  type RunReport,
  type StepReport,
  type WorkflowEvent,
} from '../../workflow-runner/index.ts';
import {
  ENVIRONMENTS,
  REPOSITORY,
  startReferenceWorld,
  type Environment,
  type ReferenceWorld,
} from './reference-world.ts';

// Scenarios 5, 6 and 7 of the enterprise pipeline, through the workflow tier
// on the reference repository, with a real terraform, PostgreSQL, Docker
// engine, registry and SSH host:
//
// 5. The environments' stacks are applied through the terraform caller (pull
//    request, approval, merge, push); its `outputs` output holds each
//    environment's outputs, and the deploy caller takes each environment's
//    hosts from its stack's `hosts` output (tf-outputs, nothing planned).
// 6. The deploy caller, on a push touching app/, builds and pushes the image
//    once, deploys it to dev, and promotes the same digest to staging and
//    prod (prod after its reviewers), never rebuilt; the app answers on each
//    environment's URL with the .env file it was given. The same push run
//    again finds every tag present and deploys the digest already pushed.
// 7. After a second release and an infrastructure change, rollback.yml rolls
//    prod back: its infrastructure to a tag of main before the change, its app
//    to the first release's digest, behind prod's reviewers, and records what,
//    by whom and why.
//
// Throughout, no secret of the repository (nor the app's .env) shows in any
// log, summary, output or request body to GitHub.

if (!REAL_TERRAFORM) throw new Error('the workflow scenarios need a real terraform or tofu on PATH');

const TERRAFORM = '.github/workflows/terraform.yml';
const DEPLOY = '.github/workflows/deploy.yml';
const ROLLBACK = '.github/workflows/rollback.yml';
const IMAGE_REPOSITORY = 'example/app';

interface AppVersion {
  app: string;
  version: string;
}
interface AppConfig {
  environment: string;
  env_file: string;
  fingerprint: string | null;
  variables: string[];
}
type StackOutputs = Record<string, { value: unknown; type?: unknown; sensitive?: boolean }>;

describe('scenarios 5, 6 and 7: outputs reach the deploy, one build promoted by digest, a rollback', () => {
  let world: ReferenceWorld;
  /** Every run of the file, for the search of secrets. */
  const runs: RunReport[] = [];
  /** The push run of terraform.yml that applied the three environments first. */
  let firstApply: RunReport;
  /** The deploy caller's run of the first release, its push event, and the image it deployed (`name@digest`). */
  let firstDeploy: RunReport;
  let firstDeployPush: WorkflowEvent;
  let firstImageRef: string;

  const run = async (workflow: string, event: WorkflowEvent, actor?: string): Promise<RunReport> => {
    const report = await world.runner.run({ workflow, event, ...(actor ? { actor } : {}) });
    runs.push(report);
    return report;
  };

  beforeAll(async () => {
    world = await startReferenceWorld({ deploy: true });
    // The environments' infrastructure, as users make it: a pull request whose
    // plans are reviewed, merged, then applied environment after environment.
    firstApply = await applyThroughPullRequest('hosts-for-the-app', {
      'infra/modules/app/main.tf': `${await repoFile('infra/modules/app/main.tf')}\n# The app's hosts, for its first release.\n`,
    });
    firstDeployPush = await world.pushToMain({ 'app/www/version.json': appVersionJson('1.1.0') });
    firstDeploy = await run(DEPLOY, firstDeployPush);
    firstImageRef = firstDeploy.jobs.find((j) => j.key === 'dev')?.outputs['image-ref'] ?? '';
  });
  afterAll(() => world?.close());

  describe('5: Terraform outputs reach the deploy', () => {
    it("terraform.yml's `outputs` output holds the outputs of each environment it applied", () => {
      expect(firstApply.conclusion, describeRun(firstApply)).toBe('success');
      const caller = firstApply.job('terraform');
      expect(caller.outputs.applied).toBe('true');
      const outputs = JSON.parse(caller.outputs.outputs ?? '{}') as Record<string, StackOutputs>;
      expect(Object.keys(outputs).sort()).toEqual([...ENVIRONMENTS].sort());
      for (const env of ENVIRONMENTS) {
        expect(outputs[env]?.environment?.value).toBe(env);
        expect(outputs[env]?.hosts?.value).toEqual({ app: ['127.0.0.1'] });
        expect(outputs[env]?.app_port?.value).toBe(Number(new URL(world.appUrl(env)).port));
        expect(outputs[env]?.app_url?.value).toBe(world.appUrl(env));
      }
    });

    it("each environment's deploy reads its stack's outputs and deploys to the hosts of its `hosts` output", () => {
      const applied = JSON.parse(firstApply.job('terraform').outputs.outputs ?? '{}') as Record<string, StackOutputs>;
      for (const env of ENVIRONMENTS) {
        const deploy = firstDeploy.job(`${env}/deploy`);
        expect(deploy.conclusion, describeJob(deploy)).toBe('success');
        // tf-outputs read the environment's own stack, as terraform.yml's apply left it: nothing planned.
        const hostsStep = step(deploy, (s) => s.id === 'hosts');
        expect(hostsStep.uses).toMatch(/\/tf-outputs@/);
        const read = JSON.parse(hostsStep.outputs['outputs-json'] ?? '{}') as StackOutputs;
        expect(read.environment?.value).toBe(env);
        expect(read.hosts?.value).toEqual(applied[env]?.hosts?.value);
        expect(hostsStep.log).not.toMatch(/terraform (plan|apply)/);
        // The caller's inventory names no host: the playbook ran on the hosts of the stack's output.
        const ansible = step(deploy, (s) => /\/ansible-deploy@/.test(s.uses ?? ''));
        expect(Object.keys(JSON.parse(ansible.outputs.hosts ?? '{}') as object)).toEqual(['127.0.0.1']);
        expect(ansible.summary).toContain('| 127.0.0.1 |');
        expect(ansible.outputs.failed).toBe('0');
      }
    });
  });

  describe('6: deploy.yml builds once and promotes the same digest', () => {
    it('publishes once, in dev; staging and prod deploy the same digest without a build', async () => {
      expect(firstDeploy.conclusion, describeRun(firstDeploy)).toBe('success');
      const publishes = firstDeploy.jobs.flatMap((job) =>
        job.steps
          .filter((s) => !s.post && /\/docker-publish@/.test(s.uses ?? '') && s.conclusion !== 'skipped')
          .map(() => job.key),
      );
      expect(publishes).toEqual(['dev/publish']);
      expect(firstDeploy.job('staging/publish').conclusion).toBe('skipped');
      expect(firstDeploy.job('prod/publish').conclusion).toBe('skipped');

      const digest = firstDeploy.job('dev').outputs.digest ?? '';
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(firstImageRef).toBe(`${world.registry!.host}/${IMAGE_REPOSITORY}@${digest}`);
      // What the registry holds under the commit's tag is what was deployed everywhere.
      expect(await registryDigest(shaTag(firstDeployPush))).toBe(digest);
      for (const env of ENVIRONMENTS) {
        expect(firstDeploy.job(env).outputs['image-ref'], env).toBe(firstImageRef);
        expect(firstDeploy.job(`${env}/deploy`).outputs.digest, env).toBe(digest);
      }
    });

    it('deploys dev, then staging, then prod once its reviewers approve; each environment smoke-tested', () => {
      const [dev, staging, prod] = ENVIRONMENTS.map((env) => firstDeploy.job(`${env}/deploy`)) as [
        JobReport,
        JobReport,
        JobReport,
      ];
      expect(dev.completedSeq!).toBeLessThan(staging.startedSeq!);
      expect(staging.completedSeq!).toBeLessThan(prod.startedSeq!);
      expect(dev.approvals).toEqual([]);
      expect(staging.approvals).toEqual([]);
      expect(prod.approvals.map((a) => [a.environment, a.state, a.by])).toEqual([['prod', 'approved', 'alice']]);
      expect(prod.approvals[0]!.reviewers.sort()).toEqual(['alice', 'carol']);
      // The review was asked for after staging, and prod's deploy started only once it was given.
      expect(prod.approvals[0]!.requestedSeq).toBeGreaterThan(staging.completedSeq!);
      expect(prod.approvals[0]!.decidedSeq).toBeLessThan(prod.startedSeq!);
      expect(prod.environment).toEqual({ name: 'prod', url: world.appUrl('prod') });

      // Each environment's smoke test: dev's and staging's in deploy.yml, prod's the caller's own job.
      expect(firstDeploy.job('dev/smoke').conclusion, describeJob(firstDeploy.job('dev/smoke'))).toBe('success');
      expect(firstDeploy.job('staging/smoke').conclusion, describeJob(firstDeploy.job('staging/smoke'))).toBe(
        'success',
      );
      const prodSmoke = firstDeploy.job('prod-smoke');
      expect(prodSmoke.conclusion, describeJob(prodSmoke)).toBe('success');
      // The suite's action by the short reference users write.
      const probe = step(prodSmoke, (s) => s.uses === 'acme/iac-actions/smoke-test@v1');
      expect(probe.conclusion).toBe('success');
      expect(probe.outputs.passed).toBe('true');
      expect(probe.summary).toContain(`${world.appUrl('prod')}/version.json`);
      expect(prodSmoke.steps.map((s) => s.summary).join('\n')).toContain(`prod runs ${firstImageRef}`);
    });

    it("the app answers on each environment's URL, with the release and the .env file it was given", async () => {
      for (const env of ENVIRONMENTS) {
        expect(await appVersion(env), env).toMatchObject({ app: 'example', version: '1.1.0' });
        expect(await appConfig(env), env).toEqual({
          environment: 'reference',
          env_file: 'loaded',
          fingerprint: fingerprintOf(world.appEnv),
          variables: ['APP_ENVIRONMENT', 'DATABASE_URL'],
        });
      }
    });

    it('a re-run of the same push finds every tag present and deploys the digest already pushed', async () => {
      const digest = firstImageRef.split('@')[1];
      const tag = shaTag(firstDeployPush);
      const rerun = await run(DEPLOY, firstDeployPush);
      expect(rerun.conclusion, describeRun(rerun)).toBe('success');
      expect(rerun.sha).toBe(firstDeploy.sha);

      const publish = step(rerun.job('dev/publish'), (s) => !s.post && /\/docker-publish@/.test(s.uses ?? ''));
      expect(publish.conclusion).toBe('success');
      expect(publish.outputs.digest).toBe(digest);
      expect(publish.outputs['image-refs']).toBe(firstImageRef);
      // Nothing built, nothing pushed: every reference was there already.
      expect(publish.outputs['image-id']).toBe('');
      const metadata = JSON.parse(publish.outputs.metadata ?? '{}') as {
        references: { reference: string; status: string; digest: string }[];
      };
      expect(metadata.references.map((r) => [r.status, r.digest])).toEqual(
        metadata.references.map(() => ['skipped', digest]),
      );
      expect(publish.log).not.toMatch(/docker (image )?push /);
      expect(publish.summary).toContain('nothing to push');
      expect(await registryDigest(tag)).toBe(digest);
      expect(await registryDigest('main')).toBe(digest);

      for (const env of ENVIRONMENTS) {
        expect(rerun.job(env).outputs['image-ref'], env).toBe(firstImageRef);
        const deploy = rerun.job(`${env}/deploy`);
        expect(deploy.conclusion, describeJob(deploy)).toBe('success');
        // The playbook is idempotent: the same digest and .env change nothing on the host.
        const ansible = step(deploy, (s) => /\/ansible-deploy@/.test(s.uses ?? ''));
        expect(ansible.outputs.changed, env).toBe('0');
        expect(await appVersion(env), env).toMatchObject({ version: '1.1.0' });
      }
    });
  });

  describe("7: rollback.yml rolls prod's infrastructure and app back, behind prod's reviewers", () => {
    let secondImageRef: string;
    let tagSha: string;

    it('a second release and an infrastructure change reach prod', async () => {
      // The configuration every environment runs now, tagged before the change.
      tagSha = await world.repo.head('main');
      await world.repo.tag('infra-2026-12-01', tagSha);
      expect(await prodLogLevel()).toBe('warn');

      const change = await applyThroughPullRequest('quieter-prod', {
        'infra/environments/prod/terraform.tfvars': (
          await repoFile('infra/environments/prod/terraform.tfvars')
        ).replace('LOG_LEVEL = "warn"', 'LOG_LEVEL = "error"'),
      });
      expect(change.conclusion, describeRun(change)).toBe('success');
      expect(
        change.jobs.filter((j) => j.id === 'apply' && j.matrix).map((j) => [j.matrix?.environment, j.conclusion]),
      ).toEqual([['prod', 'success']]);
      expect(await prodLogLevel()).toBe('error');

      const second = await run(DEPLOY, await world.pushToMain({ 'app/www/version.json': appVersionJson('2.0.0') }));
      expect(second.conclusion, describeRun(second)).toBe('success');
      secondImageRef = second.job('prod').outputs['image-ref'] ?? '';
      expect(secondImageRef).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(secondImageRef).not.toBe(firstImageRef);
      expect(await appVersion('prod')).toMatchObject({ version: '2.0.0' });
    });

    it('rolls prod back to the tag and the first release, approved by a reviewer, and records it', async () => {
      const firstDigest = firstImageRef.split('@')[1]!;
      const reason = 'Release 2.0.0 breaks the checkout page';
      const rollback = await run(
        ROLLBACK,
        workflowDispatchEvent({
          repository: REPOSITORY,
          workflow: ROLLBACK,
          inputs: {
            environment: 'prod',
            'infrastructure-ref': 'infra-2026-12-01',
            'image-version': firstDigest,
            reason,
          },
          sender: 'erin',
        }),
        'erin',
      );
      expect.soft(rollback.conclusion, describeRun(rollback)).toBe('success');

      // The infrastructure: planned at the tag, applied after prod's reviewer approved.
      const plan = rollback.job('rollback/plan-infrastructure');
      expect(plan.conclusion, describeJob(plan)).toBe('success');
      expect(plan.approvals).toEqual([]);
      const apply = rollback.job('rollback/apply-infrastructure');
      expect(apply.conclusion, describeJob(apply)).toBe('success');
      expect(apply.environment?.name).toBe('prod');
      expect(apply.approvals.map((a) => [a.environment, a.state, a.by])).toEqual([['prod', 'approved', 'alice']]);
      expect(apply.approvals[0]!.decidedSeq).toBeLessThan(apply.startedSeq!);
      expect(await prodLogLevel()).toBe('warn');

      // The app: the first release's digest, on prod's hosts, after the infrastructure, approved too.
      const application = rollback.job('rollback/application');
      expect(application.conclusion, describeJob(application)).toBe('success');
      expect(application.approvals.map((a) => [a.environment, a.state])).toEqual([['prod', 'approved']]);
      expect(application.startedSeq!).toBeGreaterThan(apply.completedSeq!);
      expect(rollback.job('rollback/resolve').outputs['image-ref']).toBe(firstImageRef);
      expect(await appVersion('prod')).toMatchObject({ version: '1.1.0' });
      expect((await appConfig('prod')).fingerprint).toBe(fingerprintOf(world.appEnv));
      // The other environments keep the second release.
      expect(await appVersion('staging')).toMatchObject({ version: '2.0.0' });

      // The record: what was rolled back, by whom and why.
      const record = rollback.job('rollback/record');
      expect(record.conclusion).toBe('success');
      const summary = record.steps.map((s) => s.summary).join('\n');
      expect(summary).toContain('## Rollback of prod');
      expect(summary).toContain('| requested by | erin |');
      expect(summary).toContain(`| reason | ${reason} |`);
      expect(summary).toContain(
        `| infrastructure | infra/environments/{environment} at \`infra-2026-12-01\` (${tagSha}): plan success, apply success |`,
      );
      expect(summary).toContain(`| application | \`${firstImageRef}\`: deploy success, smoke test skipped |`);
    });
  });

  it('no secret of the repository, nor the .env file, shows in a log, summary, output or request to GitHub', () => {
    expect(runs.length).toBeGreaterThanOrEqual(7);
    const secrets = secretCorpus();
    const found: string[] = [];
    const search = (where: string, text: string) => {
      for (const [name, secret] of Object.entries(secrets)) {
        const forms = leaks(text, secret);
        if (forms.length) found.push(`${name} in ${where} (${forms.join(', ')})`);
      }
    };
    for (const report of runs) {
      for (const job of report.jobs) {
        const where = `run ${report.id} ${report.workflow} ${job.key}`;
        search(`${where} outputs`, JSON.stringify(job.outputs));
        for (const s of job.steps) {
          search(`${where} ${s.name} log`, s.log);
          search(`${where} ${s.name} summary`, s.summary);
          search(`${where} ${s.name} outputs`, JSON.stringify(s.outputs));
          search(`${where} ${s.name} annotations`, JSON.stringify(s.annotations));
        }
      }
    }
    for (const request of world.github.requests) {
      if (request.body !== undefined) search(`${request.method} ${request.path}`, JSON.stringify(request.body));
    }
    expect(found).toEqual([]);
  });

  // ── helpers ──────────────────────────────────────────────────────────────

  /** A pull request of `files`, planned, approved by a reviewer, merged; the push run that applies it. */
  async function applyThroughPullRequest(branch: string, files: Record<string, string>): Promise<RunReport> {
    const { pull, event } = await world.openPullRequest(branch, files);
    const plan = await run(TERRAFORM, event);
    expect(plan.conclusion, describeRun(plan)).toBe('success');
    world.approve(pull);
    return run(TERRAFORM, await world.merge(pull));
  }

  function repoFile(file: string): Promise<string> {
    return readFile(path.join(world.repo.dir, file), 'utf8');
  }

  /** docker-publish's `type=sha` tag of the pushed commit. */
  function shaTag(push: WorkflowEvent): string {
    return `sha-${String(push.payload.after).slice(0, 7)}`;
  }

  function registryDigest(tag: string): Promise<string | undefined> {
    return world.registry!.manifestDigest(IMAGE_REPOSITORY, tag, {
      username: world.runner.settings.variables.REGISTRY_USER!,
      password: world.secrets.REGISTRY_PASSWORD!,
    });
  }

  async function appVersion(env: Environment): Promise<AppVersion> {
    const response = await fetch(`${world.appUrl(env)}/version.json`);
    expect(response.status, `${env} /version.json`).toBe(200);
    return (await response.json()) as AppVersion;
  }

  async function appConfig(env: Environment): Promise<AppConfig> {
    const response = await fetch(`${world.appUrl(env)}/config.json`);
    expect(response.status, `${env} /config.json`).toBe(200);
    return (await response.json()) as AppConfig;
  }

  /** prod's app settings in its state in PostgreSQL: the LOG_LEVEL of resource terraform_data.settings. */
  async function prodLogLevel(): Promise<string | undefined> {
    const rows = await world.pg.query(`SELECT data FROM "prod_app".states WHERE name = 'default'`, 'tfstate_prod');
    const state = JSON.parse(rows[0]?.[0] ?? '{}') as {
      resources?: { module?: string; type: string; name: string; instances: { attributes: { output?: unknown } }[] }[];
    };
    const settings = state.resources?.find(
      (r) => r.module === 'module.app' && r.type === 'terraform_data' && r.name === 'settings',
    );
    const output = settings?.instances[0]?.attributes.output as { value?: Record<string, string> } | undefined;
    return output?.value?.LOG_LEVEL;
  }

  /** Each secret with the parts that are secret alone: the state passwords, the lines of the key and of the .env. */
  function secretCorpus(): Record<string, SecretValue> {
    const corpus: Record<string, SecretValue> = {};
    for (const [name, value] of Object.entries(world.secrets)) corpus[name] = { value };
    const backends = JSON.parse(world.secrets.TF_BACKEND_CONFIG!) as Record<string, string>;
    corpus.TF_BACKEND_CONFIG = {
      value: world.secrets.TF_BACKEND_CONFIG!,
      parts: Object.values(backends).flatMap((line) => {
        const url = new URL(line.replace(/^conn_str=/, ''));
        return [line, decodeURIComponent(url.password)];
      }),
    };
    corpus.APP_SECRET_VARS = { value: world.secrets.APP_SECRET_VARS!, parts: appEnvParts() };
    corpus['.env'] = { value: world.appEnv, parts: appEnvParts() };
    return corpus;
  }

  /** The .env's lines, and the database password in it. */
  function appEnvParts(): string[] {
    const lines = world.appEnv.split('\n').filter((line) => line.length >= 8);
    const password = /postgres:\/\/[^:]+:([^@]+)@/.exec(world.appEnv)?.[1];
    return password ? [...lines, password] : lines;
  }
});

function appVersionJson(version: string): string {
  return `${JSON.stringify({ app: 'example', version, status: 'ready' })}\n`;
}

/** What /config.json shows of the .env file: the first 16 hex digits of its SHA-256. */
function fingerprintOf(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

function step(job: JobReport, predicate: (s: StepReport) => boolean): StepReport {
  const found = job.steps.find(predicate);
  if (!found) throw new Error(`${job.key} has no such step (steps: ${job.steps.map((s) => s.name).join(', ')})`);
  return found;
}

/** Why a run did not succeed: its errors and each failed job's failed step, for assertion messages. */
function describeRun(report: RunReport): string {
  const failed = report.jobs.filter((j) => j.conclusion === 'failure' || j.conclusion === 'cancelled');
  return [
    `run ${report.id} ${report.workflow}: ${report.conclusion}`,
    ...report.errors,
    ...failed.map((j) => describeJob(j)),
  ].join('\n');
}

function describeJob(job: JobReport): string {
  const failed = job.steps.find((s) => s.conclusion === 'failure');
  return [
    `${job.key} (${job.name}): ${job.conclusion}${job.error ? ` — ${job.error}` : ''}`,
    ...(failed ? [`step ${failed.name}: ${failed.error ?? ''}`, failed.log.split('\n').slice(-25).join('\n')] : []),
  ].join('\n');
}
