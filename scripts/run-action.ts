// `npm run action -- <name> --input key=value … --event pull_request`: runs one
// action's committed bundle on this machine the way GitHub's runner does,
// through the test harness (test/harness/run-action.ts), with the GitHub API
// and artifact service fakes on loopback. See docs/local-run.md.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, runAction, type ActionRun } from '../test/harness/run-action.ts';
import { RunnerLog } from '../test/harness/runner-log.ts';
import { checkInputs, parseCommand, usage, type RunArgs } from './run-action/args.ts';
import { customEvent, EventError, exampleEvent, type LocalEvent } from './run-action/events.ts';
import { startLocalServices, type ServiceReport } from './run-action/local-services.ts';
import { formatEnd, formatOutputs, formatServiceReport } from './run-action/report.ts';

const USAGE_ERROR = 2;
/** The repository the harness names when the payload names none. */
const DEFAULT_REPOSITORY = 'octo-org/infra';
/** setTimeout's ceiling. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** `npm run` starts scripts in the package root; relative paths are the user's, from where they typed. */
const STARTED_IN = process.env.INIT_CWD ?? process.cwd();

const print = (text = '') => void process.stdout.write(`${text}\n`);

function usageError(message: string): number {
  process.stderr.write(`run-action: ${message}\n`);
  return USAGE_ERROR;
}

async function main(): Promise<number> {
  const actions = await listActions();
  const command = parseCommand(process.argv.slice(2), actions, process.env);
  if (command.kind === 'help') {
    print(usage(actions));
    return 0;
  }
  if (command.kind === 'error') return usageError(command.message);
  const args = command.args;

  const manifest = parseYaml(await readFile(path.join(REPO_ROOT, 'actions', args.action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>;
  };
  const badInput = checkInputs(args.action, args.inputs, Object.keys(manifest.inputs ?? {}));
  if (badInput) return usageError(badInput);

  const workspace = path.resolve(STARTED_IN, args.workspace ?? '.');
  if (!(await isDirectory(workspace))) return usageError(`--workspace ${args.workspace}: no such directory`);

  let event: LocalEvent;
  try {
    event = await readEvent(args);
  } catch (error) {
    if (error instanceof EventError) return usageError(error.message);
    throw error;
  }
  const repository = args.env.GITHUB_REPOSITORY ?? repositoryOf(event.payload) ?? DEFAULT_REPOSITORY;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    return usageError(`GITHUB_REPOSITORY is named owner/name, not '${repository}'`);
  }

  const services = await startLocalServices({
    payload: event.payload,
    repository,
    ...(args.githubApi ? { githubApi: args.githubApi } : {}),
  });
  let run: ActionRun | undefined;
  try {
    print(`Running actions/${args.action} as GitHub's runner does (node ${process.versions.node})`);
    print(`  event                  ${event.name}: ${event.source}`);
    print(`  workspace              ${workspace}`);
    for (const line of services.describe) print(`  ${line}`);

    const started = performance.now();
    let shown: 'main' | 'post' | undefined;
    run = await runAction(args.action, {
      inputs: args.inputs,
      event,
      workspace,
      token: services.token,
      // The user's --env wins over what the services set.
      env: { ...services.env, ...args.env },
      post: args.post,
      timeoutMs: Math.min(args.timeoutMinutes * 60_000, MAX_TIMER_MS),
      onLine(line, step) {
        if (step !== shown) {
          shown = step;
          print(`\n▶ ${step === 'main' ? 'Run' : 'Post Run'} ${args.action}`);
        }
        print(line);
      },
    });

    const { main, post } = run;
    print();
    print(
      formatEnd({
        action: args.action,
        mainExit: main.exitCode,
        ...(post ? { postExit: post.exitCode } : {}),
        durationMs: performance.now() - started,
      }),
    );
    // Outputs are shown as a later step's log would show them: masked.
    const masker = new RunnerLog([services.token, ...main.masks, ...(post?.masks ?? [])]);
    const outputs = Object.fromEntries(Object.entries(main.outputs).map(([k, v]) => [k, masker.mask(v)]));
    for (const line of formatOutputs(outputs)) print(line);
    const report = services.report();
    for (const line of formatServiceReport(report)) print(line);
    const saved = await saveRun(args.action, run, outputs, report);
    print(`job summary: ${saved.summary}${main.summary.trim() ? '' : ' (empty: the step wrote none)'}`);
    print(`saved in ${saved.dir}: ${saved.files.join(', ')}`);
    // Interrupted with Ctrl-C: the shell's code for SIGINT.
    return interrupted ? 130 : stepExitCode(main.exitCode, post?.exitCode);
  } finally {
    await run?.cleanup();
    await services.close();
  }
}

/** The step's code: main's, else post's when only post failed; a killed step is 1, as on GitHub. */
function stepExitCode(main: number | null, post: number | null | undefined): number {
  if (main !== 0) return main ?? 1;
  return post === undefined || post === 0 ? 0 : (post ?? 1);
}

async function readEvent(args: RunArgs): Promise<LocalEvent> {
  if (!args.eventFile) return exampleEvent(args.event?.name ?? 'push', args.event?.action);
  let text: string;
  try {
    text = await readFile(path.resolve(STARTED_IN, args.eventFile), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
    throw new EventError(`--event-file ${args.eventFile}: ${reason}`);
  }
  return customEvent(text, args.eventFile, args.event?.name);
}

function repositoryOf(payload: Record<string, unknown>): string | undefined {
  const name = (payload.repository as { full_name?: unknown } | undefined)?.full_name;
  return typeof name === 'string' ? name : undefined;
}

/** The job summary, the outputs and what was posted, as files in a temp dir of the run's own. */
async function saveRun(
  action: string,
  run: ActionRun,
  outputs: Record<string, string>,
  report: ServiceReport,
): Promise<{ dir: string; summary: string; files: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), `action-run-${action}-`));
  const files: Record<string, string> = {
    'summary.md': run.main.summary,
    'outputs.json': `${JSON.stringify(outputs, null, 2)}\n`,
  };
  if (run.post?.summary.trim()) files['post-summary.md'] = run.post.summary;
  for (const issue of report.issues) files[`issue-${issue.number}.md`] = issue.body;
  report.comments.forEach((comment, i) => {
    files[`comment-${comment.issueNumber}-${i + 1}.md`] = comment.body;
  });
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(path.join(dir, name), text)));
  return { dir, summary: path.join(dir, 'summary.md'), files: Object.keys(files) };
}

async function listActions(): Promise<string[]> {
  const names = await readdir(path.join(REPO_ROOT, 'actions'));
  return names.filter((name) => existsSync(path.join(REPO_ROOT, 'actions', name, 'action.yml'))).sort();
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

// Ctrl-C reaches the step too (same process group); it stops, its post step
// runs as after a cancellation on GitHub, and the services are stopped. A
// second Ctrl-C leaves at once.
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nrun-action: interrupted; stopping the step (Ctrl-C again to leave at once)\n');
});

try {
  process.exitCode = await main();
} catch (error) {
  // A bug of the command, not of the user: the stack helps.
  process.stderr.write(`run-action: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
