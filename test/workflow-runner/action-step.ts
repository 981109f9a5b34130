import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { runAction } from '../harness/run-action.ts';
import type { Annotation } from '../harness/runner-log.ts';
import { ActionResolutionError, resolveAction, type ActionManifest } from './actions.ts';
import { evaluateExpression, evaluateStringMap, stringOf, type Scope } from './expressions.ts';
import type { StepReport } from './report.ts';
import { liveLog } from './runtime.ts';
import {
  applyExports,
  failedOutcome,
  processEnv,
  runnerVariables,
  type JobRuntime,
  type StepOutcome,
} from './step-runtime.ts';
import { StandInError, type StandInContext } from './stand-ins/index.ts';

// A `uses:` step: an action of the suite (or a local one) run from its
// committed bundle through the harness that runs bundles as the runner does
// (test/harness/run-action.ts), its post entry deferred to the end of the job;
// a third-party action through its stand-in.

/** An action's input default: a string that may hold `${{ }}` (e.g. `${{ github.token }}`). */
function evaluateDefault(text: string, scope: Scope): string {
  return text.replace(/\$\{\{\s*([\s\S]+?)\s*\}\}/g, (_, expression: string) =>
    stringOf(evaluateExpression(expression, scope)),
  );
}

/** `with:` over the action's declared inputs: GitHub warns about undeclared ones and passes declared ones. */
function actionInputs(
  manifest: ActionManifest,
  given: Record<string, string>,
  scope: Scope,
  warnings: string[],
): Record<string, string> {
  const declared = manifest.inputs ?? {};
  const unexpected = Object.keys(given).filter((name) => !(name in declared));
  if (unexpected.length) {
    warnings.push(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`,
    );
  }
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    inputs[name] = given[name] ?? evaluateDefault(String(spec.default ?? ''), scope);
  }
  return inputs;
}

export async function runUses(
  runtime: JobRuntime,
  step: Extract<Step, { uses: unknown }>,
  withToken: TemplateToken | undefined,
  report: StepReport,
  env: Record<string, string>,
  scope: Scope,
  timeoutMinutes: number | undefined,
): Promise<StepOutcome> {
  const uses = step.uses.value;
  const run = runtime.leg.scope.run;
  let action;
  try {
    action = await resolveAction(uses, runtime.dirs.workspace, run.services.repositories);
  } catch (error) {
    if (error instanceof ActionResolutionError) return failedOutcome(error.message);
    throw error;
  }
  const given = evaluateStringMap(withToken, scope);

  if (action.kind === 'stand-in') {
    const warnings: string[] = [];
    const logLines: string[] = [];
    const inputs = { ...action.standIn.defaults, ...given };
    const context: StandInContext = {
      inputs,
      env: {
        ...processEnv(
          runtime,
          env,
          runnerVariables(runtime, { id: step.id, repository: action.name, ref: action.ref }),
        ),
        ...runtime.actionsEnv,
      },
      workspace: runtime.dirs.workspace,
      temp: runtime.dirs.temp,
      repository: run.repository.fullName,
      sha: run.identity.sha,
      ref: run.identity.ref,
      token: runtime.token,
      github: run.services.github,
      artifacts: run.services.artifacts,
      repositories: run.services.repositories,
      claimsOf: (jwt) => run.services.oidc.claimsOf(jwt),
      apps: run.services.settings.apps,
      ...(run.services.settings.assumeRole ? { assumeRole: run.services.settings.assumeRole } : {}),
      log: (line) => logLines.push(runtime.masks.mask(line)),
      mask: (value) => runtime.masks.add(value),
      warning: (message) => warnings.push(message),
      onPost: (work) =>
        runtime.posts.push({
          report: postReport(report),
          condition: 'always()',
          run: async () => {
            await work();
            return { outcome: 'success', outputs: {}, log: '', summary: '', annotations: [] };
          },
        }),
    };
    const annotations = (): Annotation[] =>
      warnings.map((message) => ({ level: 'warning' as const, message: runtime.masks.mask(message), properties: {} }));
    try {
      const result = await action.standIn.run(context);
      applyExports(runtime, result.env ?? {}, result.path ?? []);
      return {
        outcome: 'success',
        outputs: result.outputs ?? {},
        log: [...warnings.map((w) => `Warning: ${runtime.masks.mask(w)}`), ...logLines].join('\n'),
        summary: '',
        annotations: annotations(),
        ...(result.details ? { details: result.details } : {}),
      };
    } catch (error) {
      if (!(error instanceof StandInError)) throw error;
      const failed = failedOutcome(runtime.masks.mask(error.message), logLines.join('\n'));
      return { ...failed, annotations: [...annotations(), ...failed.annotations] };
    }
  }

  // An action of the suite (or a local one): its bundle, run by the harness as the runner runs it.
  const warnings: string[] = [];
  const inputs = actionInputs(action.manifest, given, scope, warnings);
  const variables = runnerVariables(runtime, {
    id: step.id,
    repository: action.repository,
    ref: action.ref,
    path: action.dir,
  });
  const actionEnv = { ...processEnv(runtime, env, variables), ...runtime.actionsEnv };
  const name = path.basename(action.dir);
  const options = {
    inputs,
    event: { name: run.event.name, payload: run.event.payload },
    env: actionEnv,
    token: runtime.token,
    workspace: runtime.dirs.workspace,
    actionDir: action.dir,
    timeoutMs: (timeoutMinutes ?? 360) * 60_000,
  };
  const onLine = liveLog(runtime, report.name);
  const result = await runAction(name, {
    ...options,
    post: false,
    ...(onLine ? { onLine: (line: string) => onLine(line) } : {}),
  });
  try {
    for (const value of result.main.masks) runtime.masks.add(value);
    const main = result.main;
    applyExports(runtime, main.env, main.path);
    const manifest = action.manifest;
    if (manifest.runs.post) {
      const postFile = path.resolve(action.dir, manifest.runs.post);
      runtime.posts.push({
        report: postReport(report),
        condition: manifest.runs['post-if'] ?? 'always()',
        // The post entry, at the end of the job, with the state main saved (STATE_*), through the harness too.
        run: () => runPost(runtime, name, options, postFile, main.state),
      });
    }
    const failed = main.exitCode !== 0;
    const annotations = [
      ...warnings.map((message) => ({ level: 'warning' as const, message, properties: {} })),
      ...main.annotations,
    ];
    return {
      outcome: failed ? 'failure' : 'success',
      outputs: main.outputs,
      log: [...warnings.map((w) => `Warning: ${w}`), runtime.masks.mask(main.log)].filter(Boolean).join('\n'),
      summary: runtime.masks.mask(main.summary),
      annotations,
      ...(failed ? { error: main.exitCode === null ? 'The action was killed' : `exit code ${main.exitCode}` } : {}),
    };
  } finally {
    await result.cleanup();
  }
}

function postReport(main: StepReport): StepReport {
  return {
    id: main.id,
    name: `Post ${main.name}`,
    ...(main.uses ? { uses: main.uses } : {}),
    post: true,
    outcome: 'skipped',
    conclusion: 'skipped',
    outputs: {},
    log: '',
    summary: '',
    annotations: [],
  };
}

/**
 * Runs an action's post entry through the harness: a manifest whose `main`
 * is the post script (resolved against the action's directory, as the
 * runner resolves it), the same inputs, and STATE_* from the main step.
 */
async function runPost(
  runtime: JobRuntime,
  name: string,
  options: { inputs: Record<string, string>; env: Record<string, string>; actionDir: string } & Record<string, unknown>,
  postFile: string,
  state: Record<string, string>,
): Promise<StepOutcome> {
  const shim = path.join(runtime.dirs.actions, `${name}-post-${randomUUID()}`);
  await mkdir(shim, { recursive: true });
  const inputs = Object.fromEntries(Object.keys(options.inputs).map((input) => [input, { required: false }]));
  await writeFile(
    path.join(shim, 'action.yml'),
    JSON.stringify({ name: `Post ${name}`, inputs, runs: { using: 'node24', main: path.relative(shim, postFile) } }),
  );
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
  const result = await runAction(name, {
    ...options,
    actionDir: shim,
    env: {
      ...options.env,
      ...stateEnv,
      PATH: [...runtime.path]
        .reverse()
        .concat(process.env.PATH ?? '')
        .join(path.delimiter),
    },
    post: false,
  });
  try {
    for (const value of result.main.masks) runtime.masks.add(value);
    return {
      outcome: result.main.exitCode === 0 ? 'success' : 'failure',
      outputs: {},
      log: runtime.masks.mask(result.main.log),
      summary: runtime.masks.mask(result.main.summary),
      annotations: result.main.annotations,
    };
  } finally {
    await result.cleanup();
  }
}
