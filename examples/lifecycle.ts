// The pipeline's lifecycle on the reference repository (examples/), run
// through the workflow tier exactly as the tests run it: the repository as the
// git repository `acme/infra` with its callers under .github/workflows/, the
// suite's reusable workflows and actions (their committed bundles), a real
// terraform, PostgreSQL holding each environment's state, a Docker engine, a
// registry and an SSH host, and the GitHub API and artifact service fakes
// (test/workflows/scenarios/reference-world.ts).
//
//   1. a pull request changes infra/modules/app: terraform.yml plans the three
//      environments' stacks, one comment each;
//   2. a reviewer approves, the pull request merges: the push applies the
//      reviewed plans dev → staging → prod, prod once its reviewers approve;
//   3. a push changes app/: deploy.yml builds the image once, deploys it to dev
//      and promotes the same digest to staging and prod, smoke-tested;
//   4. a change made outside the pipeline (a terraform apply from a laptop) to
//      one environment's state: the nightly drift.yml opens an issue for it.
//
// Each step's log is streamed as it runs (step-report.ts); every job summary,
// the pull request's comments and the drift issue are written as Markdown
// files, and a page shows them all (demo-page.ts). `npm run demo` (demo.ts)
// and test/e2e/demo.test.ts run it.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { REAL_TERRAFORM } from '../test/e2e/real-terraform.ts';
import {
  scheduleEvent,
  type JobReport,
  type ReviewRequest,
  type RunReport,
  type WorkflowEvent,
} from '../test/workflow-runner/index.ts';
import { runProcess } from '../test/workflow-runner/processes.ts';
import {
  ENVIRONMENTS,
  REPOSITORY,
  startReferenceWorld,
  type Environment,
  type ReferenceWorld,
} from '../test/workflows/scenarios/reference-world.ts';
import { writeDemoPage, type DemoPage, type MarkdownBlock, type PageSection, type SectionStatus } from './demo-page.ts';
import { liveLog, runResult, seconds, shortJobName, type LiveLog } from './step-report.ts';

/** The page that shows the lifecycle, in `out`. */
export const PAGE = 'index.html';
/** The environment whose state is changed outside the pipeline, for the drift run to find. */
export const DRIFTED_ENVIRONMENT: Environment = 'staging';
/** Who approves deployments to prod (one of its required reviewers, alice and carol). */
export const PROD_REVIEWER = 'alice';
/** Who approves the pull request (not its author, dana). */
export const PR_REVIEWER = 'bob';

export type RunName = 'plan' | 'apply' | 'deploy' | 'drift';

/** The runs of the lifecycle, in order: the caller of the reference repository each runs, and on what event. */
const RUNS: { name: RunName; workflow: string; workflowName: string; event: string }[] = [
  { name: 'plan', workflow: '.github/workflows/terraform.yml', workflowName: 'terraform', event: 'pull_request' },
  { name: 'apply', workflow: '.github/workflows/terraform.yml', workflowName: 'terraform', event: 'push' },
  { name: 'deploy', workflow: '.github/workflows/deploy.yml', workflowName: 'deploy', event: 'push' },
  { name: 'drift', workflow: '.github/workflows/drift.yml', workflowName: 'drift', event: 'schedule' },
];

export interface LifecycleOptions {
  /** Directory for the Markdown files (job summaries, comments, the issue) and the page that shows them. */
  out: string;
  /** Receives the progress and every step's log, one line a call; default: silent. */
  log?: (text: string) => void;
  /** Stops the running workflow run and skips the rest; what was started is stopped. */
  signal?: AbortSignal;
}

export interface LifecycleRun {
  name: RunName;
  /** `terraform (push)`: the workflow's name and the event. */
  title: string;
  /** The caller in the reference repository, e.g. `.github/workflows/terraform.yml`. */
  workflow: string;
  workflowName: string;
  /** What happened just before it, one line each (an approval, a merge, a change outside the pipeline). */
  before: string[];
  /** Undefined: not run (a run before it failed, or the lifecycle was stopped). */
  report?: RunReport;
  tookMs?: number;
  /** Where its Markdown files are, relative to `out`. */
  dir: string;
}

export interface PlanComment {
  environment: string;
  stack: string;
  /** The marker's status at the end: `applied` once the push applied it. */
  status: string;
  digest?: string;
  body: string;
  /** Relative to `out`. */
  file: string;
}

export interface DriftIssue {
  number: number;
  title: string;
  state: string;
  labels: string[];
  body: string;
  /** Relative to `out`. */
  file: string;
}

export interface LifecycleResult {
  /** Every run ran and succeeded, and the drift run opened an issue for the drifted stack. */
  ok: boolean;
  runs: LifecycleRun[];
  /** What ran the Terraform commands, in words. */
  terraform: string;
  pullRequest?: { number: number; title: string; author: string };
  /** The pull request's plan comments as they are at the end. */
  comments: PlanComment[];
  /** The issues the drift run opened. */
  driftIssues: DriftIssue[];
  /** What each environment's app answers on /version.json after the deploy (or why it did not). */
  apps: Partial<Record<Environment, string>>;
  /** The Markdown files written into `out`, relative to it. */
  files: string[];
  /** The page written into `out`. */
  page?: string;
  /** Every secret of the world (the repository's and the app's), each also line by line: none may show. */
  secrets: string[];
  /** Why the lifecycle stopped early, when it did. */
  error?: string;
  tookMs: number;
}

export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleResult> {
  const print = options.log ?? (() => {});
  const live: LiveLog = liveLog(print);
  const note = (text: string) => live.print(`\n-- ${text}`);
  const started = performance.now();
  const result: LifecycleResult = {
    ok: false,
    runs: RUNS.map((r, i) => ({
      ...r,
      title: `${r.workflowName} (${r.event})`,
      before: [],
      dir: `${i + 1}-${r.workflowName}-${r.event}`,
    })),
    terraform: '',
    comments: [],
    driftIssues: [],
    apps: {},
    files: [],
    secrets: [],
    tookMs: 0,
  };
  if (!REAL_TERRAFORM) {
    throw new Error(
      'no terraform or tofu on PATH: the lifecycle plans and applies the reference repository with a real one (terraform 1.6 or later)',
    );
  }
  result.terraform = `${REAL_TERRAFORM.tool} ${REAL_TERRAFORM.version} from PATH`;
  await clearOut(options.out, result.runs);

  let world: ReferenceWorld | undefined;
  let current: { cancel(reason?: string): void } | undefined;
  const onAbort = () => current?.cancel('Interrupted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    live.print(
      'Starting PostgreSQL (each environment’s state), a Docker engine, a registry, an SSH host, and the GitHub API and artifact service fakes…',
    );
    world = await startReferenceWorld({
      deploy: true,
      reviewer: (request) => review(request, (text) => note(text)),
    });
    const w = world;
    result.secrets = secretsOf(w);
    live.print(
      [
        `  repository      ${REPOSITORY}: examples/'s infra, app, ansible and .github/workflows, as a git repository`,
        `  terraform       ${result.terraform}`,
        `  PostgreSQL      127.0.0.1:${w.pg.port} (databases tfstate_dev, tfstate_staging, tfstate_prod)`,
        `  Docker engine   ${w.engine?.host ?? '-'}`,
        `  registry        ${w.registry?.host ?? '-'}`,
        `  SSH host        ${w.sshd ? `${w.sshd.user}@127.0.0.1:${w.sshd.port}` : '-'}`,
        `  GitHub API fake ${w.github.url}`,
        `  (${seconds(performance.now() - started)})`,
      ].join('\n'),
    );
    w.runner.settings.onLog = (line) => live.line(line);

    const run = async (name: RunName, event: WorkflowEvent): Promise<RunReport | undefined> => {
      const entry = result.runs.find((r) => r.name === name)!;
      if (options.signal?.aborted) return undefined;
      live.print(`\n==== ${entry.title}: ${entry.workflow} of ${REPOSITORY}`);
      live.startRun(entry.title, entry.workflowName);
      const runStarted = performance.now();
      // The runner's job-completed events tell the live log when a job's lines are all there.
      let seen = w.runner.events.length;
      const poll = () => {
        for (; seen < w.runner.events.length; seen++) {
          const e = w.runner.events[seen]!;
          if (e.type === 'job-completed' && e.job) live.jobCompleted(e.job);
        }
      };
      const timer = setInterval(poll, 100);
      const handle = w.runner.start({ workflow: entry.workflow, event });
      current = handle;
      const report = await handle.done.finally(() => {
        current = undefined;
        clearInterval(timer);
        poll();
        live.endRun();
      });
      entry.report = report;
      entry.tookMs = performance.now() - runStarted;
      live.print(`\n${runResult(entry.title, entry.workflowName, report, entry.tookMs).join('\n')}`);
      return report.conclusion === 'success' ? report : undefined;
    };
    const before = (name: RunName, text: string) => {
      result.runs.find((r) => r.name === name)!.before.push(text);
      note(text);
    };

    // 1. A pull request changes the module every environment uses.
    const moduleFile = 'infra/modules/app/main.tf';
    const moduleText = await readFile(path.join(w.repo.dir, moduleFile), 'utf8');
    const title = 'Health checks for the app hosts';
    const { pull, event: opened } = await w.openPullRequest('health-checks', {
      [moduleFile]: `${moduleText}\n${HEALTH_CHECK}`,
    });
    result.pullRequest = { number: pull.number, title, author: pull.user?.login ?? 'dana' };
    before(
      'plan',
      `${result.pullRequest.author} opens pull request #${pull.number} (“${title}”), changing ${moduleFile}`,
    );
    const planned = await run('plan', opened);
    if (!planned) return result;

    // 2. Reviewed, merged, applied environment by environment.
    w.approve(pull, PR_REVIEWER);
    before('apply', `${PR_REVIEWER} approves pull request #${pull.number}, after its plan comments`);
    const merged = await w.merge(pull);
    before(
      'apply',
      `${result.pullRequest.author} merges pull request #${pull.number} into main (${shortSha(merged.payload)}): a push to main`,
    );
    const applied = await run('apply', merged);
    if (!applied) return result;

    // 3. A new release of the app: built once, promoted by digest.
    const version = '1.1.0';
    const pushed = await w.pushToMain({
      'app/www/version.json': `${JSON.stringify({ app: 'example', version, status: 'ready' })}\n`,
    });
    before(
      'deploy',
      `a new release: app/www/version.json (version ${version}) pushed to main (${shortSha(pushed.payload)})`,
    );
    const deployed = await run('deploy', pushed);
    result.apps = await probeApps(w);
    for (const env of ENVIRONMENTS)
      live.print(`  ${env.padEnd(8)} ${w.appUrl(env)}/version.json → ${result.apps[env]}`);
    if (!deployed) return result;

    // 4. Drift: the state changed outside the pull request flow, then the nightly check.
    const drift = await changeOutsidePipeline(w, DRIFTED_ENVIRONMENT, live, options.signal);
    before('drift', drift);
    const nightly = await run('drift', scheduleEvent('17 3 * * *'));
    if (!nightly) return result;
    result.driftIssues = await driftIssues(w, result.runs[3]!.dir, options.out, result.files);
    for (const issue of result.driftIssues) live.print(`  issue #${issue.number} (${issue.state}): ${issue.title}`);
    result.ok =
      result.driftIssues.length === 1 &&
      result.driftIssues[0]!.title.includes(`infra/environments/${DRIFTED_ENVIRONMENT}`);
    return result;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    live.print(`\nThe lifecycle stopped: ${result.error}`);
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (world && result.pullRequest) {
      // As they are at the end: marked applied by the push's run.
      const { number } = result.pullRequest;
      result.comments = await planComments(world, number, result.runs[0]!.dir, options.out, result.files).catch(
        (e: unknown) => {
          live.print(`  could not read the pull request's comments: ${String(e)}`);
          return [];
        },
      );
    }
    live.print('\nStopping the services…');
    if (world) await world.close().catch((e: unknown) => live.print(`  could not stop a service: ${String(e)}`));
    result.tookMs = performance.now() - started;
    for (const r of result.runs) {
      live.print(`  ${r.title.padEnd(26)} ${r.report ? r.report.conclusion : 'not run'}`);
    }
    live.print(`${result.ok ? 'The lifecycle succeeded' : 'The lifecycle failed'} in ${seconds(result.tookMs)}.`);
    try {
      for (const r of result.runs) result.files.push(...(await writeJobSummaries(options.out, r)));
      result.files.sort();
      result.page = await writeDemoPage(path.join(options.out, PAGE), lifecyclePage(result));
    } catch (error) {
      live.print(`  could not write the page: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** What the pull request adds to infra/modules/app: one more resource per host, in every environment. */
const HEALTH_CHECK = `# The health check a load balancer runs against each host.
resource "terraform_data" "health_check" {
  for_each = terraform_data.host
  input = {
    host = each.value.output.name
    url  = "http://\${each.value.output.address}:\${var.port}/health"
  }
}
`;

/** The prod reviewers' decision: alice approves, and the log says so. */
function review(request: ReviewRequest, say: (text: string) => void) {
  say(
    `${request.job} waits for a review of environment ${request.environment} (required reviewers: ${request.reviewers.join(', ')}): ${PROD_REVIEWER} approves ${request.environment}`,
  );
  return { approve: true, by: PROD_REVIEWER, comment: 'Reviewed the plan and the release notes.' };
}

/**
 * A change made outside the pull request flow, as from a laptop: a terraform
 * apply of the environment's stack against its state in PostgreSQL, with a
 * second host. The stack's configuration no longer gives the state's outputs,
 * which a refresh-only plan reports. Its output is streamed like a step's.
 */
async function changeOutsidePipeline(
  world: ReferenceWorld,
  environment: Environment,
  live: LiveLog,
  signal?: AbortSignal,
): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'demo-laptop-'));
  try {
    await cp(path.join(world.repo.dir, 'infra'), path.join(scratch, 'infra'), {
      recursive: true,
      filter: (source) => !/[/\\]\.terraform/.test(source),
    });
    const stack = path.join(scratch, 'infra', 'environments', environment);
    // The backend settings in a 0600 file, never on a command line: its conn_str holds the password.
    const backend = (JSON.parse(world.secrets.TF_BACKEND_CONFIG!) as Record<string, string>)[environment]!;
    const backendFile = path.join(scratch, 'backend.conf');
    await writeFile(
      backendFile,
      `${backend.replace(/^conn_str=(.*)$/m, 'conn_str = "$1"')}\nschema_name = "${environment}_app"\n`,
      {
        mode: 0o600,
      },
    );
    const serial = await world.stateSerial(environment);
    const secrets = secretsOf(world);
    const tool = REAL_TERRAFORM!.tool;
    const header = `outside the pipeline / ${tool} apply from a laptop / infra/environments/${environment}`;
    live.print(`\n== ${header}`);
    const terraform = async (args: string[]) => {
      let pending = '';
      const outcome = await runProcess(tool, args, {
        cwd: stack,
        env: { PATH: process.env.PATH ?? '', HOME: scratch, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
        timeoutMs: 120_000,
        ...(signal ? { signal } : {}),
        onOutput: (_stream, text) => {
          const lines = (pending + text).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) live.print(`  │ ${hideSecrets(line, secrets)}`);
        },
      });
      if (pending) live.print(`  │ ${hideSecrets(pending, secrets)}`);
      if (outcome.exitCode !== 0) throw new Error(`${tool} ${args[0]} in infra/environments/${environment} failed`);
    };
    await terraform(['init', '-input=false', '-no-color', `-backend-config=${backendFile}`]);
    await terraform(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'hosts=["127.0.0.1","127.0.0.2"]']);
    const after = await world.stateSerial(environment);
    return `drift introduced: someone applied infra/environments/${environment} from a laptop with a second host, 127.0.0.2 (state serial ${serial ?? '-'} → ${after ?? '-'}), outside the pull request flow`;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The pull request's plan comments, in the order of the environments, written as Markdown files. */
async function planComments(
  world: ReferenceWorld,
  pull: number,
  dir: string,
  out: string,
  files: string[],
): Promise<PlanComment[]> {
  const comments: PlanComment[] = [];
  for (const comment of world.github.comments(REPOSITORY, pull)) {
    const marker = readPlanMarker(comment.body ?? '');
    if (!marker || marker.status === 'outdated') continue;
    const file = `${dir}/pr-comment-${slug(marker.label || marker.workingDirectory)}.md`;
    comments.push({
      environment: marker.label,
      stack: marker.workingDirectory,
      status: marker.status,
      ...(marker.digest ? { digest: marker.digest } : {}),
      body: comment.body ?? '',
      file,
    });
  }
  const order = (c: PlanComment) => ENVIRONMENTS.indexOf(c.environment as Environment);
  comments.sort((a, b) => order(a) - order(b));
  for (const c of comments) files.push(await writeOut(out, c.file, c.body));
  return comments;
}

/** The issues labelled `drift`, written as Markdown files. */
async function driftIssues(world: ReferenceWorld, dir: string, out: string, files: string[]): Promise<DriftIssue[]> {
  const issues: DriftIssue[] = [];
  for (const issue of world.github.issues(REPOSITORY)) {
    const labels = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
    if (!labels.includes('drift')) continue;
    const found: DriftIssue = {
      number: issue.number,
      title: issue.title,
      state: issue.state,
      labels,
      body: issue.body ?? '',
      file: `${dir}/issue-${issue.number}.md`,
    };
    files.push(await writeOut(out, found.file, `# ${found.title}\n\n${found.body}`));
    issues.push(found);
  }
  return issues;
}

/** What each environment's app answers on /version.json. */
async function probeApps(world: ReferenceWorld): Promise<Partial<Record<Environment, string>>> {
  const apps: Partial<Record<Environment, string>> = {};
  for (const env of ENVIRONMENTS) {
    try {
      const response = await fetch(`${world.appUrl(env)}/version.json`, { signal: AbortSignal.timeout(5_000) });
      apps[env] = `${response.status} ${(await response.text()).trim()}`;
    } catch (error) {
      apps[env] = `no answer (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return apps;
}

/** Every secret value of the world, whole and (multi-line ones, like an SSH key) line by line. */
function secretsOf(world: ReferenceWorld): string[] {
  const values = new Set<string>();
  const add = (value: string) => {
    if (value.length >= 8) values.add(value);
    for (const line of value.split('\n')) if (line.trim().length >= 16 && !/^-----/.test(line)) values.add(line.trim());
  };
  for (const value of Object.values(world.secrets)) add(value);
  for (const value of Object.values(JSON.parse(world.secrets.TF_BACKEND_CONFIG ?? '{}') as Record<string, string>)) {
    add(value);
  }
  add(world.appEnv);
  add(world.pg.password);
  return [...values];
}

/** The lifecycle's own output (the laptop's terraform) with the world's secrets starred out, as the runner would. */
function hideSecrets(line: string, secrets: readonly string[]): string {
  let text = line;
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}

/** Each job's summary (its steps' summaries, as GitHub shows a job's) as a Markdown file in the run's directory. */
async function writeJobSummaries(out: string, run: LifecycleRun): Promise<string[]> {
  const files: string[] = [];
  for (const job of run.report?.jobs ?? []) {
    const summary = jobSummary(job);
    if (summary.trim()) files.push(await writeOut(out, summaryFile(run, job), summary));
  }
  return files;
}

/** A job's summary as GitHub shows it: its steps' summaries, one after the other. */
export function jobSummary(job: JobReport): string {
  return job.steps
    .map((s) => s.summary)
    .filter((s) => s.trim())
    .join('\n');
}

/** The job's summary file, named after the job (`apply-prod-infra-environments-prod.summary.md`), unique in its run. */
function summaryFile(run: LifecycleRun, job: JobReport): string {
  const name = (j: JobReport) => slug(shortJobName(j.name, run.workflowName));
  const jobs = run.report?.jobs ?? [job];
  const unique = jobs.filter((j) => name(j) === name(job)).length === 1;
  return `${run.dir}/${name(job)}${unique ? '' : `-${slug(job.key)}`}.summary.md`;
}

/** The page: a section per run (what happened before it, the comments or issues it made), a section per job in it. */
export function lifecyclePage(result: LifecycleResult): DemoPage {
  const sections = result.runs.map((run): PageSection => {
    const blocks: MarkdownBlock[] = [];
    if (run.name === 'plan') {
      for (const c of result.comments) {
        blocks.push({
          id: `pr-comment-${slug(c.environment || c.stack)}`,
          title: `Comment on #${result.pullRequest?.number ?? ''}: ${c.environment} (now ${c.status})`,
          markdown: c.body,
          file: c.file,
        });
      }
    }
    if (run.name === 'drift') {
      for (const issue of result.driftIssues) {
        blocks.push({
          id: `issue-${issue.number}`,
          title: `Issue #${issue.number} (${issue.state}): ${issue.title}`,
          markdown: issue.body,
          file: issue.file,
        });
      }
    }
    const base = {
      id: run.dir,
      title: run.title,
      ...(run.before.length ? { note: `Before: ${run.before.join('. ')}.` } : {}),
    };
    if (!run.report) {
      return {
        ...base,
        status: 'skipped',
        note: `${base.note ? `${base.note} ` : ''}Not run: a run before it failed, or the lifecycle stopped.`,
        blocks: [],
      };
    }
    const report = run.report;
    return {
      ...base,
      status: sectionStatus(report.conclusion),
      ...(run.tookMs !== undefined ? { detail: `in ${seconds(run.tookMs)}` } : {}),
      facts: [
        ['Workflow', `examples/${run.workflow}, on ${report.event} of ${report.ref} (${report.sha.slice(0, 7)})`],
        ...(report.errors.length ? [['Errors', report.errors.join('; ')] as [string, string]] : []),
      ],
      blocks,
      sections: report.jobs.map((job) => jobSection(run, job)),
    };
  });
  const facts: [string, string][] = [
    ['Repository', `${REPOSITORY}: the reference repository, examples/; ${result.terraform || 'no terraform'}`],
  ];
  if (result.pullRequest) {
    facts.push([
      'Pull request',
      `#${result.pullRequest.number} “${result.pullRequest.title}” by ${result.pullRequest.author}`,
    ]);
  }
  const deploy = result.runs.find((r) => r.name === 'deploy')?.report;
  const digest = deploy?.jobs.find((j) => j.key === 'prod')?.outputs.digest;
  if (digest) facts.push(['Image in dev, staging, prod', digest]);
  if (result.driftIssues.length) {
    facts.push(['Drift', result.driftIssues.map((i) => `#${i.number} ${i.title}`).join('; ')]);
  }
  return {
    title: 'iac-actions demo: from pull request to production',
    status: result.ok ? 'succeeded' : 'failed',
    detail: `in ${seconds(result.tookMs)}, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    facts,
    sections,
  };
}

function jobSection(run: LifecycleRun, job: JobReport): PageSection {
  const facts: [string, string][] = [];
  if (job.environment) facts.push(['Environment', job.environment.name]);
  for (const a of job.approvals) {
    facts.push([
      a.state === 'approved' ? 'Approved by' : 'Rejected by',
      `${a.by}${a.comment ? `: “${a.comment}”` : ''}`,
    ]);
  }
  if (job.calls) facts.push(['Calls', job.calls]);
  const summary = jobSummary(job);
  const status = sectionStatus(job.conclusion);
  return {
    id: jobSectionId(run, job),
    title: shortJobName(job.name, run.workflowName),
    status,
    ...(facts.length ? { facts } : {}),
    ...(job.error ? { note: job.error } : status === 'skipped' ? { note: 'Skipped: its condition was false.' } : {}),
    blocks:
      summary.trim() || (!job.calls && status !== 'skipped')
        ? [
            {
              id: 'job-summary',
              title: 'Job summary',
              markdown: summary,
              ...(summary.trim() ? { file: summaryFile(run, job) } : {}),
            },
          ]
        : [],
    ...(status === 'skipped' ? {} : { outputs: job.outputs }),
  };
}

/** The page's anchor of a job's section: the run's directory and the job's key. */
export function jobSectionId(run: Pick<LifecycleRun, 'dir'>, job: Pick<JobReport, 'key'>): string {
  // `/` (a called workflow's job) as `.`, so that `prod/smoke` and `prod-smoke` stay apart.
  return `${run.dir}--${slug(job.key.replaceAll('/', '.'))}`;
}

function sectionStatus(conclusion: RunReport['conclusion']): SectionStatus {
  switch (conclusion) {
    case 'success':
      return 'succeeded';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** Removes what an earlier lifecycle (or the older demo) wrote into `out`, so that nothing stale passes for this run's. */
async function clearOut(out: string, runs: LifecycleRun[]): Promise<void> {
  await mkdir(out, { recursive: true });
  const stale = [PAGE, ...runs.map((r) => r.dir)];
  await Promise.all(stale.map((name) => rm(path.join(out, name), { recursive: true, force: true })));
}

async function writeOut(out: string, relative: string, text: string): Promise<string> {
  const file = path.join(out, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`);
  return relative;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
}

function shortSha(payload: Record<string, unknown>): string {
  return typeof payload.after === 'string' ? payload.after.slice(0, 7) : '';
}
