import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_TERRAFORM } from '../../e2e/real-terraform.ts';
import { postgresBinDir } from '../../services/postgres.ts';
import { displacedMessage } from '../../workflow-runner/concurrency.ts';
import { scheduleEvent, workflowDispatchEvent, type JobReport, type RunReport } from '../../workflow-runner/index.ts';
import {
  ENVIRONMENTS,
  REPOSITORY,
  startReferenceWorld,
  type Environment,
  type ReferenceWorld,
} from './reference-world.ts';

// Scenario 8 of the enterprise pipeline, through the workflow tier with a real
// terraform and PostgreSQL: the reference repository's nightly drift caller
// (examples/.github/workflows/drift.yml, on its `schedule`) checks dev,
// staging and prod side by side, each with its own state database
// (`schema_name={environment}_app` and its TF_BACKEND_CONFIG entry) and its own
// read-only role. The environments are first applied the way the repository
// applies them (terraform.yml: pull request, approval, merge, push). Then
// someone applies staging from a laptop with another port: the nightly run
// opens one issue for that stack and none for the others; runs of the drift
// workflow at the same time never cancel another environment's check; after
// the configuration is applied again, the next nightly run closes the issue.
//
// Why the drift shows as output changes: the stacks use builtin
// `terraform_data` resources (no provider can be downloaded here), whose
// refresh reads nothing from outside, so a refresh-only plan finds no changed
// resource. What it does find is what a state written by another configuration
// leaves behind: outputs (`app_port`, `app_url`) that the repository's
// configuration evaluates differently. `plan -refresh-only -detailed-exitcode`
// exits 2 on them, which drift-detect reports as drift, as it would for a
// security group edited in the console.

if (!REAL_TERRAFORM) throw new Error('the workflow scenarios need a real terraform or tofu on PATH');

const run = promisify(execFile);
const CALLER = '.github/workflows/drift.yml';
const ROLES: Record<Environment, string> = {
  dev: 'arn:aws:iam::111111111111:role/terraform-read',
  staging: 'arn:aws:iam::222222222222:role/terraform-read',
  prod: 'arn:aws:iam::333333333333:role/terraform-read',
};
/** The drift job's concurrency group of an environment (docs/workflows.md, drift.yml). */
const group = (environment: Environment) => `iac-drift-${REPOSITORY}-${environment}`;
const DRIFTED_PORT = 19999;

// A caller of this repository's own: one call of drift.yml per environment, in
// one run. With a single fixed concurrency group, the third call would have
// displaced the pending second.
const PER_ENVIRONMENT_CALLER = '.github/workflows/drift-per-environment.yml';
const perEnvironmentCaller = `name: drift per environment
on:
  workflow_dispatch:
permissions: {}
jobs:
${ENVIRONMENTS.map(
  (env) => `  ${env}:
    uses: acme/iac-actions/.github/workflows/drift.yml@v1
    permissions:
      contents: read
      issues: write
      actions: read
      id-token: write
    with:
      environments: ${env}
      stacks: infra/environments/{environment}
      backend-config: schema_name={environment}_app
      aws-region: eu-west-1
      aws-role-to-assume: ${ROLES[env]}
    secrets:
      TF_BACKEND_CONFIG: \${{ secrets.TF_BACKEND_CONFIG }}
`,
).join('')}`;

describe('scenario 8: nightly drift over three environments, each with its own backend and role', () => {
  let world: ReferenceWorld;
  let cron: string;
  const holders: ChildProcess[] = [];

  beforeAll(async () => {
    world = await startReferenceWorld();
    cron = /cron:\s*'([^']+)'/.exec(await readFile(path.join(world.repo.dir, CALLER), 'utf8'))![1]!;
    await applyEnvironmentsThroughTheWorkflow();
  }, 300_000);

  afterAll(async () => {
    for (const holder of holders) holder.kill();
    await world?.close();
  });

  it('a change outside the pull request flow: one issue for the drifted stack, none for the clean ones', async () => {
    await applyDirectly('staging', { app_port: DRIFTED_PORT });

    const report = await nightly();
    expect(report.conclusion, failureOf(report)).toBe('success');

    // Each environment checked by its own leg, with its own role.
    const legs = driftLegs(report);
    expect(legs.map((leg) => leg.matrix?.environment).sort()).toEqual([...ENVIRONMENTS].sort());
    for (const leg of legs) {
      const environment = leg.matrix!.environment as Environment;
      expect(leg.conclusion, `${leg.name}: ${leg.error ?? ''}`).toBe('success');
      expect(leg.concurrency).toBe(group(environment));
      const credentials = leg.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      expect(credentials?.details?.roleArn, leg.name).toBe(ROLES[environment]);
      const drift = leg.steps.find((s) => s.id === 'drift')!;
      expect(JSON.parse(drift.outputs['drifted-stacks']!).length, leg.name).toBe(environment === 'staging' ? 1 : 0);
    }

    // The run's outputs: drifted, and the drifted stacks per environment.
    const outputs = report.job('drift').outputs;
    expect(outputs.drifted).toBe('true');
    const drifted = JSON.parse(outputs['drifted-stacks']!) as Record<string, { workingDirectory: string }[]>;
    expect(Object.keys(drifted).sort()).toEqual([...ENVIRONMENTS].sort());
    expect(drifted.dev).toEqual([]);
    expect(drifted.prod).toEqual([]);
    expect(drifted.staging!.map((s) => s.workingDirectory)).toEqual(['infra/environments/staging']);
    expect(JSON.parse(outputs['errored-stacks']!)).toEqual({ dev: [], staging: [], prod: [] });

    // One issue, for staging's stack, naming it; none for dev or prod.
    const issues = driftIssues();
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue!.state).toBe('open');
    expect(issue!.title).toContain('infra/environments/staging');
    expect(issue!.labels.map((l) => (typeof l === 'string' ? l : l.name))).toContain('drift');
    expect(issue!.body).toContain('infra/environments/staging');
    expect(issue!.body).toContain('app_port');
    expect(drifted.staging![0]).toMatchObject({ issueUrl: issue!.html_url });
  });

  it('three drift runs at once: each environment keeps one running and one pending, none cancels another environment', async () => {
    // The state lock of every environment is held while the runs start, so
    // whichever leg of an environment runs first is still running when the
    // other two arrive: the second waits, the third takes its place (GitHub's
    // rule: one running, one pending per group). Without the lock, a fast leg
    // could finish before the others arrive, and the outcome would depend on
    // timing.
    const releases = await Promise.all(ENVIRONMENTS.map((env) => holdStateLock(env)));
    const before = world.runner.events.length;
    const handles = [
      world.runner.start({ workflow: CALLER, event: scheduleEvent(cron) }),
      world.runner.start({ workflow: CALLER, event: dispatch() }),
      world.runner.start({ workflow: CALLER, event: dispatch() }),
    ];
    const done = Promise.all(handles.map((h) => h.done));
    try {
      // Two arrivals behind the running leg, in each environment's group (or
      // the runs ended without them, which the assertions below report).
      const pendingIn = (env: Environment) =>
        world.runner.events.filter(
          (e) => e.seq > before && e.type === 'job-pending' && e.detail?.startsWith(`${group(env)}:`),
        );
      await Promise.race([done, world.runner.waitFor(() => ENVIRONMENTS.every((env) => pendingIn(env).length >= 2))]);
      for (const env of ENVIRONMENTS) {
        expect(pendingIn(env), env).toHaveLength(2);
        const { running, pending } = world.runner.concurrency(group(env));
        expect(running && pending, `${env}: running ${running}, pending ${pending}`).toBeTruthy();
      }
    } finally {
      await Promise.all(releases.map((release) => release()));
    }
    const reports = await done;

    for (const env of ENVIRONMENTS) {
      const legs = reports.flatMap((r) => driftLegs(r).filter((leg) => leg.matrix?.environment === env));
      expect(legs, env).toHaveLength(3);
      // Two ran, one was displaced while pending — by a newer check of the same environment.
      expect(legs.map((leg) => leg.conclusion).sort(), env).toEqual(['cancelled', 'success', 'success']);
      const cancelled = legs.find((leg) => leg.conclusion === 'cancelled')!;
      expect(cancelled.error).toBe(displacedMessage(group(env)));
      for (const leg of legs) expect(leg.concurrency).toBe(group(env));
    }
    // Nothing was cancelled for another reason: no run, no other job.
    for (const report of reports) {
      expect(report.cancelReason).toBeUndefined();
      for (const job of report.jobs.filter((j) => j.conclusion === 'cancelled')) {
        expect(job.error, job.name).toMatch(/^Canceling since a higher priority waiting request for iac-drift-/);
      }
    }
    // The checks of staging took turns on its issue: still exactly one.
    expect(driftIssues().filter((i) => i.state === 'open')).toHaveLength(1);
  });

  it('a caller with one call per environment: all three complete, none waits for another', async () => {
    const sha = await world.repo.commit({ [PER_ENVIRONMENT_CALLER]: perEnvironmentCaller }, { branch: 'main' });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const before = world.runner.events.length;
    const report = await world.run(PER_ENVIRONMENT_CALLER, dispatch(PER_ENVIRONMENT_CALLER));
    expect(report.conclusion, failureOf(report)).toBe('success');
    for (const env of ENVIRONMENTS) {
      const call = report.job(env);
      expect(call.conclusion).toBe('success');
      expect(JSON.parse(call.outputs['drifted-stacks']!)).toEqual({
        [env]: env === 'staging' ? [expect.objectContaining({ workingDirectory: 'infra/environments/staging' })] : [],
      });
      const [leg] = driftLegs(report).filter((j) => j.caller === env);
      expect(leg?.steps.find((s) => s.uses?.startsWith('aws-actions/'))?.details?.roleArn).toBe(ROLES[env]);
    }
    const pending = world.runner.events.filter(
      (e) => e.seq > before && e.run === report.id && e.type === 'job-pending',
    );
    expect(pending).toEqual([]);
  });

  it('after the fix, the next nightly run closes the issue', async () => {
    await applyDirectly('staging', {});

    const report = await nightly();
    expect(report.conclusion, failureOf(report)).toBe('success');
    const outputs = report.job('drift').outputs;
    expect(outputs.drifted).toBe('false');
    expect(JSON.parse(outputs['drifted-stacks']!)).toEqual({ dev: [], staging: [], prod: [] });

    const issues = driftIssues();
    expect(issues).toHaveLength(1);
    expect(issues[0]!.state).toBe('closed');
    const last = world.github.comments(REPOSITORY, issues[0]!.number).at(-1);
    expect(last?.body).toContain('infra/environments/staging');
  });

  // ---------------------------------------------------------------------------

  function nightly(): Promise<RunReport> {
    world.tick(24 * 60);
    return world.run(CALLER, scheduleEvent(cron));
  }

  function dispatch(workflow = CALLER) {
    return workflowDispatchEvent({ repository: REPOSITORY, workflow, ref: 'main', sender: 'dana' });
  }

  /** The drift legs (called drift.yml's `drift` matrix jobs) of a run. */
  function driftLegs(report: RunReport): JobReport[] {
    return report.jobs.filter((j) => j.id === 'drift' && j.workflow.endsWith('drift.yml') && j.matrix);
  }

  function driftIssues() {
    return world.github
      .issues(REPOSITORY)
      .filter((i) => !i.pull_request && i.labels.some((l) => (typeof l === 'string' ? l : l.name) === 'drift'));
  }

  function failureOf(report: RunReport): string {
    const failed = report.jobs.filter((j) => j.conclusion === 'failure');
    return [
      ...report.errors,
      ...failed.map(
        (j) =>
          `${j.name}: ${j.error ?? ''}\n${j.steps
            .map((s) => s.log)
            .join('\n')
            .slice(-3000)}`,
      ),
    ].join('\n');
  }

  /** The three environments applied as the repository applies them: terraform.yml, pull request to push. */
  async function applyEnvironmentsThroughTheWorkflow(): Promise<void> {
    const moduleFile = 'infra/modules/app/main.tf';
    const text = await readFile(path.join(world.repo.dir, moduleFile), 'utf8');
    const { pull, event } = await world.openPullRequest('first-apply', { [moduleFile]: `${text}\n# first apply\n` });
    const plan = await world.run('.github/workflows/terraform.yml', event);
    expect(plan.conclusion, failureOf(plan)).toBe('success');
    world.approve(pull);
    const apply = await world.run('.github/workflows/terraform.yml', await world.merge(pull));
    expect(apply.conclusion, failureOf(apply)).toBe('success');
    for (const env of ENVIRONMENTS) expect(await world.stateSerial(env), env).toBeGreaterThan(0);
  }

  /**
   * An apply from someone's laptop: the stack at main's commit, with `vars`,
   * straight against the environment's state database — no pull request.
   */
  async function applyDirectly(environment: Environment, vars: Record<string, string | number>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'drift-laptop-'));
    try {
      await run('sh', ['-c', `git -C "$REPO" archive --format=tar main infra | tar -x -C "$DIR"`], {
        env: { ...process.env, REPO: world.repo.dir, DIR: dir },
      });
      const stack = path.join(dir, 'infra', 'environments', environment);
      const env = {
        ...process.env,
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        PGPASSWORD: world.pg.password,
        TF_CLI_CONFIG_FILE: '/dev/null',
      };
      const tool = REAL_TERRAFORM!.tool;
      await run(
        tool,
        [
          'init',
          '-no-color',
          `-backend-config=conn_str=${world.pg.connectionString({ database: `tfstate_${environment}`, password: false })}`,
          `-backend-config=schema_name=${environment}_app`,
        ],
        { cwd: stack, env },
      );
      const varArgs = Object.entries(vars).map(([name, value]) => `-var=${name}=${value}`);
      await run(tool, ['apply', '-no-color', '-auto-approve', ...varArgs], { cwd: stack, env });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Holds the advisory lock the `pg` backend takes on the environment's state
   * (its row id in `states`), from a psql session, as a long apply would;
   * resolves once it is held, with the function that releases it.
   */
  async function holdStateLock(environment: Environment): Promise<() => Promise<void>> {
    const database = `tfstate_${environment}`;
    const psql = spawn(
      path.join(postgresBinDir()!, 'psql'),
      ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', world.pg.connectionString({ database, password: false })],
      { env: { ...process.env, PGPASSWORD: world.pg.password }, stdio: ['pipe', 'ignore', 'inherit'] },
    );
    holders.push(psql);
    let gone = false;
    const exited = new Promise<void>((resolve) =>
      psql.once('exit', () => {
        gone = true;
        resolve();
      }),
    );
    psql.stdin!.write(`SELECT pg_advisory_lock(id) FROM "${environment}_app".states WHERE name = 'default';\n`);
    for (;;) {
      if (gone) throw new Error(`psql could not hold the state lock of ${environment}`);
      const [[held] = []] = await world.pg.query(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        database,
      );
      if (Number(held) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return async () => {
      psql.stdin!.end();
      await exited;
    };
  }
});
