// The suite's main job on the embedded example, each action run as its
// committed bundle exactly as GitHub's runner runs it (test/harness): tf-plan
// comments the plan of examples/infra on a pull request; the stack's outputs
// name the hosts; docker-publish builds examples/app and pushes it to a
// registry; ansible-deploy starts it by digest on the hosts over SSH; and
// smoke-test probes it. Everything remote runs on loopback: a Docker engine,
// a registry, an sshd (the "host"), and the GitHub API and artifact service
// fakes. `npm run demo` (examples/demo.ts) and test/e2e/demo.test.ts run it.
// It streams each step's log, and ends with a page (index.html) that shows every
// job summary, the PR comment, and each step's status and outputs.
import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { REAL_TERRAFORM } from '../test/e2e/real-terraform.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from '../test/e2e/terraform-setup.ts';
import { runAction, type ActionRun, type RunActionOptions, type StepResult } from '../test/harness/run-action.ts';
import { tagPushEvent } from '../test/harness/webhooks.ts';
import { startDockerEngine, type DockerEngine } from '../test/services/docker-engine.ts';
import { freePort } from '../test/services/free-port.ts';
import { startRegistry, type Registry } from '../test/services/registry.ts';
import { startSshServer, type SshServer } from '../test/services/sshd.ts';
import { installTerraformDouble } from '../test/terraform-double/index.ts';
import { writeDemoPage, type DemoPage, type PageSection } from './demo-page.ts';
import { RECORDED_PLAN } from './record-plan.ts';
import { seconds, stepDetail, streamStep } from './step-report.ts';
import { terraformCli } from './terraform-cli.ts';

const EXAMPLES = path.dirname(fileURLToPath(import.meta.url));
/** Where the checkout holds the example, as in this repository. */
const STACK_DIR = 'examples/infra';
const APP_DIR = 'examples/app';
const ANSIBLE_DIR = 'examples/ansible';
const BUSYBOX = '/usr/bin/busybox';
const CONTAINER = 'example-app';
/** The release docker-publish tags, as examples/app/www/version.json says. */
const RELEASE_TAG = 'v1.0.0';

const STEPS = ['tf-plan', 'docker-publish', 'ansible-deploy', 'smoke-test'] as const;
/** The page that shows the run, in `out`. */
const PAGE = 'index.html';
export type StepName = (typeof STEPS)[number];

export interface PipelineStep {
  name: StepName;
  status: 'succeeded' | 'failed' | 'skipped';
  main?: StepResult;
  post?: StepResult;
  /** Everything a person or a later step can read of the step (ActionRun.visibleText). */
  visibleText?: string;
}

export interface PipelineOptions {
  /** Directory for the Markdown files (each job summary and the PR comment) and the page that shows them. */
  out: string;
  /** `auto`: a real terraform or tofu from PATH when there is one, else the CLI double; `double`: the double. */
  terraform?: 'auto' | 'double';
  /** Receives the progress and each step's report; default: silent. */
  log?: (text: string) => void;
  /** Stops before the next step; what was started is stopped. */
  signal?: AbortSignal;
}

export interface PipelineResult {
  ok: boolean;
  steps: PipelineStep[];
  /** What ran the Terraform commands, in words. */
  terraform: string;
  /** `terraform output -json` of the applied stack, as ansible-deploy got it. */
  stackOutputs?: string;
  /** The app container after the deploy, as the engine saw it. */
  container?: { image: string; imageId: string; running: boolean };
  /** The URL of the deployed app. */
  appUrl?: string;
  /** The plan comment on the pull request, read from the GitHub API fake. */
  prComment?: string;
  /** The Markdown files written into `out`. */
  files: string[];
  /** The page written into `out` (index.html): the job summaries, the PR comment, each step's outputs. */
  page?: string;
  /** The registry user of this run (a throwaway password), to check that it never shows. */
  registryUser?: { username: string; password: string };
}

interface Services {
  engine: DockerEngine;
  registry: Registry;
  sshd: SshServer;
  world: TerraformWorld;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const log = options.log ?? (() => {});
  const result: PipelineResult = { ok: false, steps: [], terraform: '', files: [] };
  const registryUser = { username: 'deployer', password: `demo-${randomBytes(12).toString('hex')}` };
  result.registryUser = registryUser;
  await mkdir(options.out, { recursive: true });
  // No summary of an earlier run may pass for one of this run.
  await Promise.all(
    [...STEPS.map((name) => `${name}.summary.md`), 'tf-plan.pr-comment.md', PAGE].map((name) =>
      rm(path.join(options.out, name), { force: true }),
    ),
  );

  log('Starting a Docker engine, a registry, an sshd, and the GitHub API and artifact service fakes…');
  const started = performance.now();
  const teardown: (() => Promise<unknown>)[] = [];
  let checkout: string | undefined;
  // A running container would hold the engine's network namespace as it stops.
  let removeContainer: (() => Promise<unknown>) | undefined;
  try {
    const services = await startServices(registryUser, teardown);
    log(
      [
        `  Docker engine   ${services.engine.host}`,
        `  registry        http://${services.registry.host} (user ${registryUser.username})`,
        `  sshd            ${services.sshd.user}@127.0.0.1:${services.sshd.port}`,
        `  GitHub API fake ${services.world.github.url}`,
        `  (${seconds(performance.now() - started)})`,
      ].join('\n'),
    );
    checkout = await checkoutExample();
    const terraform = await chooseTerraform(options.terraform ?? 'auto');
    result.terraform = terraform.description;
    log(`\nTerraform: ${terraform.description}`);

    // Runs a step unless one before failed; `run` passes `onLine` to runAction, which streams the log.
    const step = async (
      name: StepName,
      about: string,
      run: (onLine: NonNullable<RunActionOptions['onLine']>) => Promise<ActionRun>,
    ): Promise<StepResult | undefined> => {
      if (options.signal?.aborted || result.steps.some((s) => s.status !== 'succeeded')) {
        result.steps.push({ name, status: 'skipped' });
        return undefined;
      }
      log('');
      const stream = streamStep(name, about, log);
      const action = await run(stream.line);
      await action.cleanup();
      const { main, post } = action;
      stream.end(main, post);
      const ok = main.exitCode === 0 && (post?.exitCode ?? 0) === 0;
      result.steps.push({
        name,
        status: ok ? 'succeeded' : 'failed',
        main,
        ...(post ? { post } : {}),
        visibleText: action.visibleText(),
      });
      result.files.push(await writeMarkdown(options.out, `${name}.summary.md`, main.summary, log));
      return ok ? main : undefined;
    };

    // On the pull request: the plan of the stack, as a comment.
    const { world, engine, registry, sshd } = services;
    const pr = world.pullRequest();
    await step('tf-plan', `plans ${STACK_DIR} on pull request #${pr.number} and comments the plan`, (onLine) =>
      world.run('tf-plan', {
        workspace: checkout!,
        event: pr.event,
        inputs: { tool: terraform.tool, version: terraform.version, 'working-directory': STACK_DIR },
        double: terraform.double ?? false,
        onLine,
      }),
    );
    const comment = world.github.comments(REPOSITORY, pr.number).find((c) => readPlanMarker(c.body ?? ''));
    if (comment?.body) {
      result.prComment = comment.body;
      result.files.push(await writeMarkdown(options.out, 'tf-plan.pr-comment.md', comment.body, log));
    }

    // After the merge: the applied stack's outputs name the hosts.
    if (!options.signal?.aborted && result.steps.every((s) => s.status === 'succeeded')) {
      result.stackOutputs = await terraform.applyAndReadOutputs(path.join(checkout, STACK_DIR));
      const outputs = JSON.parse(result.stackOutputs) as Record<string, { value: unknown }>;
      log(
        [
          '\n== stack outputs: `terraform output -json` after the apply, for ansible-deploy',
          ...Object.entries(outputs).map(([name, output]) => `  ${name}: ${JSON.stringify(output.value)}`),
        ].join('\n'),
      );
    }

    const published = await step(
      'docker-publish',
      `builds ${APP_DIR} on the push of tag ${RELEASE_TAG} and pushes it to the registry`,
      (onLine) =>
        runAction('docker-publish', {
          workspace: checkout!,
          event: tagPushEvent(RELEASE_TAG),
          env: { DOCKER_HOST: engine.host },
          inputs: {
            images: `${registry.host}/example/app`,
            context: APP_DIR,
            tags: 'type=semver,pattern={{version}}\ntype=sha',
            'registry-username': registryUser.username,
            'registry-password': registryUser.password,
          },
          timeoutMs: 180_000,
          onLine,
        }),
    );
    if (published) {
      // The engine that built the image is also the deploy target's: without
      // the image, the deploy pulls it from the registry as a fresh host would.
      await engine.docker(['image', 'rm', '--force', published.outputs['image-id'] ?? '']);
    }

    const appPort = await freePort();
    removeContainer = async () => {
      await engine.docker(['rm', '--force', CONTAINER]).catch(() => undefined);
    };
    const deployed = await step(
      'ansible-deploy',
      "starts the pushed image by digest on the stack's hosts, over SSH",
      (onLine) =>
        runAction('ansible-deploy', {
          workspace: checkout!,
          inputs: {
            'working-directory': ANSIBLE_DIR,
            playbook: 'deploy.yml',
            'inventory-from-terraform': result.stackOutputs ?? '',
            'terraform-hosts-output': 'hosts',
            // The stack knows the hosts' addresses; how to reach them is the runner's business.
            inventory: `[all:vars]\nansible_port=${sshd.port}\nansible_python_interpreter=/usr/bin/python3\n`,
            user: sshd.user,
            'private-key': sshd.clientKey,
            'known-hosts': sshd.knownHosts,
            'extra-vars': JSON.stringify({
              image: published?.outputs['image-refs'] ?? '',
              app_port: appPort,
              docker_host: engine.host,
              registry_username: registryUser.username,
              registry_password: registryUser.password,
            }),
          },
          timeoutMs: 180_000,
          onLine,
        }),
    );
    if (deployed) {
      result.container = await inspectContainer(engine);
      result.appUrl = `http://127.0.0.1:${appPort}`;
      log(
        `\n  container ${CONTAINER}: ${result.container.running ? 'running' : 'not running'} ${result.container.image}, listening on ${result.appUrl}`,
      );
    }

    const base = `http://127.0.0.1:${appPort}`;
    await step('smoke-test', 'probes the deployed app', (onLine) =>
      runAction('smoke-test', {
        inputs: {
          urls: `${base}/`,
          checks: [
            `- url: ${base}/health`,
            `  expect-body: '^OK'`,
            `- url: ${base}/version.json`,
            `  expect-json: { app: example, status: ready }`,
            `  max-latency: 2s`,
          ].join('\n'),
          'retry-delay': '200ms',
          deadline: '30s',
        },
        onLine,
      }),
    );

    result.ok = result.steps.length === STEPS.length && result.steps.every((s) => s.status === 'succeeded');
    return result;
  } finally {
    log('\nStopping the services…');
    await removeContainer?.();
    const stopped = await Promise.allSettled(teardown.map((stop) => stop()));
    for (const failure of stopped.filter((s) => s.status === 'rejected')) {
      log(`  could not stop a service: ${String((failure as PromiseRejectedResult).reason)}`);
    }
    if (checkout) await rm(checkout, { recursive: true, force: true });
    for (const s of result.steps) log(`  ${s.name.padEnd(15)} ${s.status}`);
    const took = seconds(performance.now() - started);
    log(`${result.ok ? 'The pipeline succeeded' : 'The pipeline failed'} in ${took}.`);
    // Also after a failed step: that is when the page is wanted most.
    try {
      result.page = await writeDemoPage(path.join(options.out, PAGE), demoPage(result, took));
    } catch (error) {
      log(`  could not write the page: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The page of a run: a section per step, with its job summary (tf-plan: the PR comment first) and outputs. */
function demoPage(result: PipelineResult, took: string): DemoPage {
  const ran = STEPS.map((name) => result.steps.find((s) => s.name === name) ?? { name, status: 'skipped' as const });
  const sections = ran.map((s): PageSection => {
    if (!s.main)
      return {
        id: s.name,
        title: s.name,
        status: 'skipped',
        note: 'Not run: a step before it failed, or the run stopped.',
        blocks: [],
      };
    const summary = { id: 'job-summary', title: 'Job summary', markdown: s.main.summary, file: `${s.name}.summary.md` };
    const comment =
      s.name === 'tf-plan' && result.prComment
        ? [
            {
              id: 'pr-comment',
              title: 'Pull request comment',
              markdown: result.prComment,
              file: 'tf-plan.pr-comment.md',
            },
          ]
        : [];
    return {
      id: s.name,
      title: s.name,
      status: s.status,
      detail: stepDetail(s.main, s.post),
      blocks: [...comment, summary],
      outputs: s.main.outputs,
    };
  });
  const facts: [string, string][] = [['Terraform', result.terraform || '(not chosen)']];
  if (result.container) facts.push(['Deployed container', `${CONTAINER}: ${result.container.image}`]);
  if (result.appUrl) facts.push(['App', result.appUrl]);
  facts.push(['Generated', new Date().toISOString()]);
  return {
    title: 'iac-actions demo: the suite on the embedded example',
    status: result.ok ? 'succeeded' : 'failed',
    detail: `in ${took}`,
    facts,
    sections,
  };
}

/** Starts the services at once; each registers its stop in `teardown`, even when another failed to start. */
async function startServices(
  registryUser: { username: string; password: string },
  teardown: (() => Promise<unknown>)[],
): Promise<Services> {
  const starting = [
    startDockerEngine(),
    startRegistry({ [registryUser.username]: registryUser.password }),
    startSshServer(),
    startTerraformWorld(),
  ] as const;
  const [engine, registry, sshd, world] = await Promise.allSettled(starting);
  for (const service of [engine, registry, sshd]) {
    if (service.status === 'fulfilled') teardown.push(() => service.value.stop());
  }
  if (world.status === 'fulfilled') teardown.push(() => world.value.close());
  for (const service of [engine, registry, sshd, world]) {
    if (service.status === 'rejected') throw service.reason;
  }
  return {
    engine: (engine as PromiseFulfilledResult<DockerEngine>).value,
    registry: (registry as PromiseFulfilledResult<Registry>).value,
    sshd: (sshd as PromiseFulfilledResult<SshServer>).value,
    world: (world as PromiseFulfilledResult<TerraformWorld>).value,
  };
}

/** A checkout of the example as a workflow's actions/checkout gives it, with the busybox binary the image needs. */
async function checkoutExample(): Promise<string> {
  const checkout = await mkdtemp(path.join(tmpdir(), 'demo-checkout-'));
  for (const dir of [STACK_DIR, APP_DIR, ANSIBLE_DIR]) {
    await cp(path.join(EXAMPLES, path.basename(dir)), path.join(checkout, dir), { recursive: true });
  }
  try {
    await copyFile(BUSYBOX, path.join(checkout, APP_DIR, 'busybox'));
  } catch (error) {
    await rm(checkout, { recursive: true, force: true });
    throw new Error(`${BUSYBOX} is missing: install the Debian package busybox-static (the app image needs it)`, {
      cause: error,
    });
  }
  return checkout;
}

interface TerraformChoice {
  description: string;
  tool: 'terraform' | 'tofu';
  version: string;
  /** The CLI double's options, when it stands in for the tool. */
  double?: { scenario: string; version: string };
  /** Applies the stack in `dir` and returns `terraform output -json`. */
  applyAndReadOutputs(dir: string): Promise<string>;
}

async function chooseTerraform(mode: 'auto' | 'double'): Promise<TerraformChoice> {
  if (REAL_TERRAFORM && mode === 'auto') {
    const { tool, version } = REAL_TERRAFORM;
    return {
      description: `${tool} ${version} from PATH`,
      tool,
      version,
      async applyAndReadOutputs(dir) {
        const tf = terraformCli(tool, dir);
        await tf(['init', '-input=false', '-no-color']);
        await tf(['apply', '-auto-approve', '-input=false', '-no-color']);
        return tf(['output', '-json']);
      },
    };
  }
  // The double answers as the recorded run of this stack did, in that run's version.
  const recorded = JSON.parse(await readFile(path.join(RECORDED_PLAN, 'plan.json'), 'utf8')) as {
    terraform_version: string;
  };
  const double = { scenario: RECORDED_PLAN, version: recorded.terraform_version };
  return {
    description: `the Terraform CLI double (test/terraform-double), answering with the plan of ${STACK_DIR} recorded in examples/${path.basename(RECORDED_PLAN)}${REAL_TERRAFORM ? '' : ': no terraform or tofu on PATH'}`,
    tool: 'terraform',
    version: double.version,
    double,
    async applyAndReadOutputs(dir) {
      const bin = await mkdtemp(path.join(tmpdir(), 'demo-double-'));
      try {
        const env = await installTerraformDouble(bin, double);
        // The double's state is the recorded apply's: `output` answers from it.
        return await terraformCli('terraform', dir, env)(['output', '-json']);
      } finally {
        await rm(bin, { recursive: true, force: true });
      }
    },
  };
}

async function inspectContainer(engine: DockerEngine): Promise<NonNullable<PipelineResult['container']>> {
  const [container] = JSON.parse(await engine.docker(['container', 'inspect', CONTAINER])) as {
    Image: string;
    Config: { Image: string };
    State: { Running: boolean };
  }[];
  return { image: container!.Config.Image, imageId: container!.Image, running: container!.State.Running };
}

async function writeMarkdown(dir: string, name: string, text: string, log: (text: string) => void): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  log(`  written: ${path.relative(process.cwd(), file) || file}`);
  return file;
}
