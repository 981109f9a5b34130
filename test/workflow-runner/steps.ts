import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '@actions/workflow-parser/model/workflow-template';
import type { BasicExpressionToken } from '@actions/workflow-parser/templates/tokens/basic-expression-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { parseKeyValueFile } from '../harness/file-commands.ts';
import { runUses } from './action-step.ts';
import {
  evaluateCondition,
  evaluateStringMap,
  evaluateTemplate,
  isTruthy,
  stringOf,
  type Scope,
  conditionOf,
} from './expressions.ts';
import { find, type JobDefinition } from './load.ts';
import { runProcess } from './processes.ts';
import type { Conclusion, StepReport } from './report.ts';
import { liveLog } from './runtime.ts';
import {
  applyExports,
  failedOutcome,
  processEnv,
  runnerVariables,
  stepScope,
  type JobRuntime,
  type StepOutcome,
} from './step-runtime.ts';

// A job's steps, as the runner runs them: each step's `if:` (default
// `success()`) against the job's status, its `env` over the job's and what
// earlier steps exported, `run:` in the shell the step or `defaults.run`
// names (unspecified: `bash -e {0}`; `bash`: `bash --noprofile --norc -eo
// pipefail {0}`) in `working-directory`, with the file commands (GITHUB_OUTPUT,
// GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_STATE) and workflow
// commands, `timeout-minutes`, `continue-on-error`; `uses:` in action-step.ts.
// Post steps run at the end of the job, in reverse order.
/** A raw step key (`with`, `shell`, `working-directory`, `timeout-minutes`), which GitHub's converter leaves out. */
function rawKey(runtime: JobRuntime, index: number, key: string): TemplateToken | undefined {
  return find(runtime.def.rawSteps[index], key);
}

/** `defaults.run.<key>`: the job's, else the workflow's. */
function runDefault(runtime: JobRuntime, key: string, scope: Scope): string | undefined {
  for (const defaults of [runtime.def.get('defaults'), runtime.leg.scope.workflow.get('defaults')]) {
    const run = defaults?.templateTokenType === 2 ? find(defaults as MappingToken, 'run') : undefined;
    const value = run?.templateTokenType === 2 ? find(run as MappingToken, key) : undefined;
    if (value) return stringOf(evaluateTemplate(value, scope));
  }
  return undefined;
}

function defaultName(step: Step): string {
  if ('run' in step) {
    // The script as written, `${{ }}` included.
    const text = (step.run.isExpression ? (step.run as BasicExpressionToken).source : undefined) ?? step.run.toString();
    return `Run ${text.trim().split('\n')[0]}`;
  }
  if ('uses' in step) return `Run ${step.uses.value}`;
  return step.id;
}

export async function runSteps(runtime: JobRuntime, def: JobDefinition): Promise<void> {
  const services = runtime.leg.scope.run.services;
  const runId = runtime.leg.scope.run.id;
  for (const [index, step] of def.job.type === 'job' ? def.job.steps.entries() : []) {
    const report: StepReport = {
      id: step.id,
      name: defaultName(step),
      ...('uses' in step ? { uses: step.uses.value } : {}),
      outcome: 'skipped',
      conclusion: 'skipped',
      outputs: {},
      log: '',
      summary: '',
      annotations: [],
    };
    runtime.leg.report.steps.push(report);
    const envContext = { ...runtime.jobEnv, ...runtime.exportedEnv };
    let scope = stepScope(runtime, envContext);
    let outcome: StepOutcome;
    try {
      if (step.name) report.name = stringOf(evaluateTemplate(step.name, scope)) || report.name;
      const condition = 'if' in step && step.if ? conditionOf(step.if) : 'success()';
      // A step that starts after the job was cancelled (if: always()) runs to its end.
      const afterCancel = runtime.leg.signal.aborted;
      if (!evaluateCondition(condition, scope)) {
        runtime.steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      services.emit({ run: runId, type: 'step-started', job: runtime.leg.key, step: step.id });
      const env = { ...envContext, ...evaluateStringMap('env' in step ? step.env : undefined, scope) };
      scope = stepScope(runtime, env);
      const timeoutToken = rawKey(runtime, index, 'timeout-minutes');
      const timeoutMinutes = timeoutToken ? Number(evaluateTemplate(timeoutToken, scope)) : undefined;
      if ('run' in step)
        outcome = await runScript(runtime, index, step, report, env, scope, timeoutMinutes, afterCancel);
      else if ('uses' in step) {
        outcome = await runUses(runtime, step, rawKey(runtime, index, 'with'), report, env, scope, timeoutMinutes);
      } else throw new Error(`The workflow runner runs 'run' and 'uses' steps only (step ${step.id})`);
    } catch (error) {
      outcome = failedOutcome((error as Error).message);
    }
    const continueToken = step['continue-on-error'];
    let continueOnError = false;
    try {
      continueOnError =
        typeof continueToken === 'boolean'
          ? continueToken
          : continueToken
            ? isTruthy(evaluateTemplate(continueToken, scope))
            : false;
    } catch {
      // An unevaluable continue-on-error does not continue.
    }
    const conclusion = outcome.outcome === 'failure' && continueOnError ? 'success' : outcome.outcome;
    Object.assign(report, {
      outcome: outcome.outcome,
      conclusion,
      outputs: outcome.outputs,
      log: outcome.log,
      summary: outcome.summary,
      annotations: outcome.annotations,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.details ? { details: outcome.details } : {}),
    });
    runtime.steps[step.id] = { outputs: outcome.outputs, outcome: outcome.outcome, conclusion };
    if (conclusion === 'failure') runtime.failed = true;
    await publishArtifacts(runtime);
    services.emit({ run: runId, type: 'step-completed', job: runtime.leg.key, step: step.id, detail: conclusion });
  }
}

export async function runPostSteps(runtime: JobRuntime): Promise<void> {
  for (const post of [...runtime.posts].reverse()) {
    runtime.leg.report.steps.push(post.report);
    let outcome: StepOutcome;
    try {
      if (!evaluateCondition(post.condition, stepScope(runtime, { ...runtime.jobEnv, ...runtime.exportedEnv })))
        continue;
      outcome = await post.run();
    } catch (error) {
      outcome = failedOutcome((error as Error).message);
    }
    Object.assign(post.report, {
      outcome: outcome.outcome,
      conclusion: outcome.outcome,
      log: outcome.log,
      summary: outcome.summary,
      annotations: outcome.annotations,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    if (outcome.outcome === 'failure') runtime.failed = true;
  }
}

/**
 * Artifacts the job's steps finalized become visible through the REST API
 * (GitHub lists a run's artifacts as soon as they are uploaded): copied into
 * the GitHub API fake as artifacts of this run.
 */
export async function publishArtifacts(runtime: JobRuntime): Promise<void> {
  const run = runtime.leg.scope.run;
  const { artifacts, github } = run.services;
  for (const artifact of artifacts.artifacts(runtime.artifactJob)) {
    if (!artifact.finalized || runtime.publishedArtifacts.has(artifact.id)) continue;
    if (artifact.job.workflowJobRunBackendId !== runtime.artifactJob.workflowJobRunBackendId) continue;
    runtime.publishedArtifacts.add(artifact.id);
    artifacts.publishToGitHub(github, run.repository.fullName, {
      name: artifact.name,
      runId: run.id,
      job: runtime.artifactJob,
    });
  }
}

interface FileCommands {
  GITHUB_OUTPUT: string;
  GITHUB_ENV: string;
  GITHUB_PATH: string;
  GITHUB_STEP_SUMMARY: string;
  GITHUB_STATE: string;
}

async function fileCommands(runtime: JobRuntime): Promise<FileCommands> {
  const dir = path.join(runtime.dirs.temp, '_runner_file_commands');
  await mkdir(dir, { recursive: true });
  const id = randomUUID();
  const files: FileCommands = {
    GITHUB_OUTPUT: path.join(dir, `set_output_${id}`),
    GITHUB_ENV: path.join(dir, `set_env_${id}`),
    GITHUB_PATH: path.join(dir, `add_path_${id}`),
    GITHUB_STEP_SUMMARY: path.join(dir, `step_summary_${id}`),
    GITHUB_STATE: path.join(dir, `save_state_${id}`),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  return files;
}

/** `shell:` as the runner runs it: the command and arguments for a script file, and its extension. */
function shellCommand(shell: string | undefined, script: string): { command: string; args: string[] } {
  switch (shell) {
    case undefined:
    case '':
      return { command: 'bash', args: ['-e', script] };
    case 'bash':
      return { command: 'bash', args: ['--noprofile', '--norc', '-eo', 'pipefail', script] };
    case 'sh':
      return { command: 'sh', args: ['-e', script] };
    case 'python':
      return { command: 'python3', args: [script] };
    default: {
      if (!shell.includes('{0}'))
        throw new Error(
          `Invalid shell option. Shell must be a valid built-in (bash, sh, python) or a format string containing '{0}'`,
        );
      const [command, ...args] = shell.trim().split(/\s+/);
      return { command: command!, args: args.map((arg) => arg.replace('{0}', script)) };
    }
  }
}

async function runScript(
  runtime: JobRuntime,
  index: number,
  step: Extract<Step, { run: unknown }>,
  report: StepReport,
  env: Record<string, string>,
  scope: Scope,
  timeoutMinutes: number | undefined,
  afterCancel: boolean,
): Promise<StepOutcome> {
  const script = stringOf(evaluateTemplate(step.run, scope));
  const shellToken = rawKey(runtime, index, 'shell');
  const shell = shellToken ? stringOf(evaluateTemplate(shellToken, scope)) : runDefault(runtime, 'shell', scope);
  const dirToken = rawKey(runtime, index, 'working-directory');
  const workingDirectory = dirToken
    ? stringOf(evaluateTemplate(dirToken, scope))
    : runDefault(runtime, 'working-directory', scope);
  const cwd = path.resolve(runtime.dirs.workspace, workingDirectory ?? '');
  const file = path.join(runtime.dirs.temp, `${randomUUID()}.${shell === 'python' ? 'py' : 'sh'}`);
  await writeFile(file, script);
  const { command, args } = shellCommand(shell, file);
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    return failedOutcome(
      `An error occurred trying to start process '/usr/bin/${command}' with working directory '${cwd}'. No such file or directory`,
    );
  }
  const files = await fileCommands(runtime);
  const log = runtime.masks.stepLog(liveLog(runtime, report.name));
  // A step that runs after the job was cancelled runs within the job's cancel-timeout-minutes (default 5).
  const limit = afterCancel ? Math.min(timeoutMinutes ?? 5, 5) : timeoutMinutes;
  const result = await runProcess(command, args, {
    cwd,
    env: { ...processEnv(runtime, env, runnerVariables(runtime, { id: step.id })), ...files },
    ...(limit !== undefined ? { timeoutMs: limit * 60_000 } : {}),
    ...(afterCancel ? {} : { signal: runtime.leg.signal }),
    onOutput: (stream, text) => log.write(stream, text),
    onStart: (pgid) => runtime.processGroups.add(pgid),
  });
  const replayed = log.end();
  for (const value of replayed.masks) runtime.masks.add(value);
  const read = (f: string) => readFile(f, 'utf8');
  const annotations = [...replayed.annotations];
  const lines = [replayed.log];
  let error: string | undefined;
  let outcome: Conclusion = result.exitCode === 0 ? 'success' : 'failure';
  if (result.timedOut) {
    error = `The action '${report.name}' has timed out after ${limit} minutes.`;
    outcome = 'failure';
  } else if (result.cancelled) {
    error = 'The operation was canceled.';
    outcome = runtime.timedOut ? 'failure' : 'cancelled';
  } else if (result.exitCode !== 0) {
    error = `Process completed with exit code ${result.exitCode}.`;
  }
  if (error) {
    lines.push(`Error: ${error}`);
    annotations.push({ level: 'error', message: error, properties: {} });
  }
  applyExports(
    runtime,
    parseKeyValueFile(await read(files.GITHUB_ENV)),
    (await read(files.GITHUB_PATH)).split('\n').filter(Boolean),
  );
  return {
    outcome,
    outputs: parseKeyValueFile(await read(files.GITHUB_OUTPUT)),
    log: lines.filter(Boolean).join('\n'),
    summary: runtime.masks.mask(await read(files.GITHUB_STEP_SUMMARY)),
    annotations,
    ...(error ? { error } : {}),
  };
}
