import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseKeyValueFile, type WorkflowCommand } from './file-commands.ts';
import { RunnerLog, type Annotation } from './runner-log.ts';
import { webhookPayload } from './webhooks.ts';

// Runs an action's committed bundle exactly as GitHub's runner does: inputs as
// `INPUT_<NAME>` (defaults from action.yml), the file commands, a real webhook
// payload, `RUNNER_TEMP`, then the `post` entry with the state main saved.

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const HARNESS_TOKEN = 'ghs_harnessToken000000000000000000000000';

export interface ActionEvent {
  name: string;
  payload: Record<string, unknown>;
}

export interface RunActionOptions {
  /** Inputs as a workflow's `with:` gives them. */
  inputs?: Record<string, string>;
  /** The triggering event; default: a real `push` payload. */
  event?: ActionEvent;
  /** Extra environment (e.g. `GITHUB_API_URL` of a fake), over the runner's. */
  env?: Record<string, string>;
  /** The value of `${{ github.token }}`. */
  token?: string;
  /** Run the post entry after main, as the runner does; default true. */
  post?: boolean;
  /** Working directory of the step (`GITHUB_WORKSPACE`); default: a fresh temp dir. */
  workspace?: string;
  /** Kill the step after this long; default 120 s. */
  timeoutMs?: number;
  /** Where the bundle is; default `actions/<name>`. */
  actionDir?: string;
  /** Receives each line of the log as the runner shows it, while the step runs. */
  onLine?: (line: string, step: 'main' | 'post') => void;
}

export type { Annotation };

export interface StepResult {
  exitCode: number | null;
  /** The log as a person sees it on GitHub: masked, commands consumed. */
  log: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
  annotations: Annotation[];
  commands: WorkflowCommand[];
  /** Values registered with `::add-mask::`. */
  masks: string[];
  durationMs: number;
}

export interface ActionRun {
  main: StepResult;
  post?: StepResult;
  runnerTemp: string;
  workspace: string;
  home: string;
  /** Everything a person or a later step can read: logs, outputs, summaries, env. */
  visibleText(): string;
  /** Removes the run's temp directories. */
  cleanup(): Promise<void>;
}

interface ActionManifest {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

export async function runAction(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const actionDir = options.actionDir ?? path.join(REPO_ROOT, 'actions', action);
  const manifest = parseYaml(await readFile(path.join(actionDir, 'action.yml'), 'utf8')) as ActionManifest;
  if (manifest.runs.using !== 'node24') throw new Error(`${action}: runs.using is ${manifest.runs.using}, not node24`);

  const base = await mkdtemp(path.join(tmpdir(), `harness-${action}-`));
  const runnerTemp = path.join(base, 'runner-temp');
  const home = path.join(base, 'home');
  const workspace = options.workspace ?? path.join(base, 'workspace');
  await Promise.all([runnerTemp, home, workspace, path.join(base, 'files')].map((d) => mkdir(d, { recursive: true })));

  const token = options.token ?? HARNESS_TOKEN;
  const event = options.event ?? { name: 'push', payload: webhookPayload('push') };
  const eventPath = path.join(base, 'event.json');
  await writeFile(eventPath, JSON.stringify(event.payload));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    ...githubContext(event, eventPath, workspace),
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(base, 'tool-cache'),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'harness',
    // The test run's marker (test/setup/no-leftover-processes.ts), so that a
    // process the step leaves running is found when the run ends.
    ...(process.env.IAC_ACTIONS_TEST_RUN ? { IAC_ACTIONS_TEST_RUN: process.env.IAC_ACTIONS_TEST_RUN } : {}),
    ...options.env,
    ...inputEnv(manifest, options.inputs ?? {}, token),
  };

  const run = async (entry: string, stepEnv: Record<string, string>, label: 'main' | 'post'): Promise<StepResult> => {
    const files = {
      GITHUB_OUTPUT: path.join(base, 'files', `${label}-output`),
      GITHUB_STATE: path.join(base, 'files', `${label}-state`),
      GITHUB_ENV: path.join(base, 'files', `${label}-env`),
      GITHUB_PATH: path.join(base, 'files', `${label}-path`),
      GITHUB_STEP_SUMMARY: path.join(base, 'files', `${label}-summary`),
    };
    await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
    const started = performance.now();
    // The runner masks the job token from the start.
    const display = new RunnerLog([token], options.onLine && ((line) => options.onLine!(line, label)));
    const exitCode = await spawnNode(
      path.join(actionDir, entry),
      { ...stepEnv, ...files },
      workspace,
      options.timeoutMs ?? 120_000,
      (stream, text) => display.write(stream, text),
    );
    const replayed = display.end();
    // Under vitest, shown only under a failing test: the step's log as GitHub shows it.
    if (process.env.VITEST) console.log(`── ${action} (${label}), exit ${exitCode} ──\n${replayed.log}`);
    const read = (f: string) => readFile(f, 'utf8');
    return {
      exitCode,
      log: replayed.log,
      commands: replayed.commands,
      masks: replayed.masks,
      annotations: replayed.annotations,
      outputs: parseKeyValueFile(await read(files.GITHUB_OUTPUT)),
      state: parseKeyValueFile(await read(files.GITHUB_STATE)),
      env: parseKeyValueFile(await read(files.GITHUB_ENV)),
      path: (await read(files.GITHUB_PATH)).split('\n').filter(Boolean),
      summary: await read(files.GITHUB_STEP_SUMMARY),
      durationMs: performance.now() - started,
    };
  };

  const main = await run(manifest.runs.main, env, 'main');
  let post: StepResult | undefined;
  if (manifest.runs.post && options.post !== false) {
    // Post runs whatever main did (`post-if` defaults to always()), with the
    // saved state as STATE_* and the env and path main exported.
    const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
    const postPath = [...main.path]
      .reverse()
      .concat(env.PATH ?? '')
      .join(path.delimiter);
    post = await run(manifest.runs.post, { ...env, ...main.env, ...stateEnv, PATH: postPath }, 'post');
  }

  return {
    main,
    ...(post ? { post } : {}),
    runnerTemp,
    workspace,
    home,
    visibleText() {
      return [main, post]
        .filter((s): s is StepResult => s !== undefined)
        .flatMap((s) => [s.log, s.summary, ...Object.values(s.outputs), ...Object.values(s.env)])
        .join('\n');
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** `INPUT_<NAME>` for each input: given values, else action.yml defaults. */
function inputEnv(manifest: ActionManifest, inputs: Record<string, string>, token: string): Record<string, string> {
  const declared = manifest.inputs ?? {};
  for (const name of Object.keys(inputs)) {
    if (!(name in declared)) throw new Error(`input '${name}' is not declared in action.yml`);
  }
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = inputs[name] ?? evaluateDefault(spec.default ?? '', token);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

function evaluateDefault(text: string, token: string): string {
  return String(text).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    if (expression === 'github.token') return token;
    throw new Error(`the harness cannot evaluate the default expression \${{ ${expression} }}`);
  });
}

function githubContext(event: ActionEvent, eventPath: string, workspace: string): Record<string, string> {
  const payload = event.payload as {
    after?: string;
    ref?: string;
    repository?: { full_name?: string; owner?: { login?: string } };
    pull_request?: {
      number: number;
      head: { sha: string; ref: string };
      base: { ref: string };
      merge_commit_sha?: string | null;
    };
    sender?: { login?: string };
  };
  const pr = payload.pull_request;
  const sha = pr ? (pr.merge_commit_sha ?? pr.head.sha) : (payload.after ?? 'ffac537e6cbbf934b08745a378932722df287a53');
  const ref = pr ? `refs/pull/${pr.number}/merge` : (payload.ref ?? 'refs/heads/main');
  return {
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: payload.repository?.full_name ?? 'octo-org/infra',
    GITHUB_REPOSITORY_OWNER: payload.repository?.owner?.login ?? 'octo-org',
    GITHUB_SHA: sha,
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge'),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ...(pr ? { GITHUB_HEAD_REF: pr.head.ref, GITHUB_BASE_REF: pr.base.ref } : {}),
    GITHUB_ACTOR: payload.sender?.login ?? 'octocat',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'harness',
    GITHUB_WORKFLOW: 'harness',
    GITHUB_ACTION: 'harness-step',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
  };
}

function spawnNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
) {
  return new Promise<number | null>((resolve, reject) => {
    // process.execPath is the Node 24 that runs the tests, as the runner's node24.
    const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (text: string) => onOutput('stdout', text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => onOutput('stderr', text));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
