import type { ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import {
  evaluateCondition,
  evaluateTemplate,
  isTruthy,
  stringOf,
  type Json,
  type StatusFunctions,
  conditionOf,
} from './expressions.ts';
import { runRunnerJob } from './job.ts';
import { find, type JobDefinition, type LoadedWorkflow } from './load.ts';
import { expandStrategy, legName, type MatrixLeg } from './matrix.ts';
import { parsePermissions } from './permissions.ts';
import type { Conclusion, JobReport } from './report.ts';
import { jobContexts, Semaphore, type JobLeg, type JobResult, type WorkflowScope } from './runtime.ts';

// The jobs of a workflow, run as GitHub orders them: a job starts when the
// jobs it `needs` are done, if its `if:` (default `success()`) holds — "If a
// job fails or is skipped, all jobs that need it are skipped unless the jobs
// use a conditional expression that causes the job to continue" — once per
// matrix combination (`max-parallel`, `fail-fast`), as a runner job or as a
// call of a reusable workflow whose jobs run the same way.

/** All jobs a job depends on, directly or through others. */
function ancestors(workflow: LoadedWorkflow, id: string, seen = new Set<string>()): Set<string> {
  const def = workflow.jobs.find((j) => j.id === id);
  for (const need of def?.job.needs ?? []) {
    if (seen.has(need.value)) continue;
    seen.add(need.value);
    ancestors(workflow, need.value, seen);
  }
  return seen;
}

/** The worst of several results: failure, then cancelled, then success; skipped only when all were. */
export function aggregate(results: Conclusion[]): Conclusion {
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  if (results.includes('success')) return 'success';
  return 'skipped';
}

export function newJobReport(scope: WorkflowScope, id: string, key: string, name: string): JobReport {
  const report: JobReport = {
    key,
    id,
    name,
    workflow: scope.workflow.file,
    repository: scope.workflow.repository,
    ...(scope.caller ? { caller: scope.caller.key } : {}),
    conclusion: 'skipped',
    result: 'skipped',
    outputs: {},
    approvals: [],
    steps: [],
  };
  scope.run.jobs.push(report);
  return report;
}

/** Runs every job of the scope's workflow; resolves with each job's result, by id. */
export async function runWorkflowJobs(scope: WorkflowScope): Promise<Map<string, JobResult>> {
  const results = new Map<string, JobResult>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const defs = scope.workflow.jobs;
  for (;;) {
    const ready = defs.filter(
      (def) => !started.has(def.id) && (def.job.needs ?? []).every((need) => results.has(need.value)),
    );
    for (const def of ready) {
      started.add(def.id);
      running.set(
        def.id,
        runJob(scope, def, results).then((result) => {
          results.set(def.id, result);
          running.delete(def.id);
        }),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  return results;
}

function statusFunctions(scope: WorkflowScope, def: JobDefinition, results: Map<string, JobResult>): StatusFunctions {
  const all = [...ancestors(scope.workflow, def.id)];
  const of = (ids: string[]) => (ids.length ? ids : all).map((id) => results.get(id)?.result ?? 'skipped');
  return {
    // success(): every job it depends on (through others too) succeeded.
    success: (ids) => !scope.signal.aborted && of(ids).every((r) => r === 'success'),
    // "If you have a chain of dependent jobs, failure() returns true if any ancestor job fails."
    failure: (ids) => of(ids).some((r) => r === 'failure'),
    cancelled: () => scope.signal.aborted,
  };
}

async function runJob(scope: WorkflowScope, def: JobDefinition, results: Map<string, JobResult>): Promise<JobResult> {
  const needs = Object.fromEntries(
    (def.job.needs ?? []).map((need) => [need.value, results.get(need.value)!]),
  ) as JobLeg['needs'];
  const key = scope.caller ? `${scope.caller.key}/${def.id}` : def.id;
  const baseName = displayBase(def);
  const prefixed = (name: string) => (scope.caller ? `${scope.caller.name} / ${name}` : name);
  const contexts = jobContexts({ scope, needs, strategy: {}, matrix: undefined }, def.id);

  let strategy;
  try {
    const runIf = evaluateCondition(conditionOf(def.job.if), {
      contexts: { github: contexts.github!, inputs: contexts.inputs!, vars: contexts.vars!, needs: contexts.needs! },
      status: statusFunctions(scope, def, results),
    });
    if (!runIf) {
      const report = newJobReport(scope, def.id, key, prefixed(baseName));
      report.conclusion = report.result = scope.signal.aborted ? 'cancelled' : 'skipped';
      return { result: report.result, outputs: {} };
    }
    const token = def.job.strategy;
    strategy = expandStrategy(
      token
        ? evaluateTemplate(token, {
            contexts: { github: contexts.github!, inputs: contexts.inputs!, vars: contexts.vars!, needs },
          })
        : null,
      def.id,
    );
  } catch (error) {
    const report = newJobReport(scope, def.id, key, prefixed(baseName));
    report.conclusion = report.result = 'failure';
    report.error = (error as Error).message;
    return { result: 'failure', outputs: {} };
  }

  // Legs run in matrix order, at most max-parallel at once; with fail-fast a failed leg cancels the others.
  const legsSignal = new AbortController();
  const parallel = new Semaphore(strategy.maxParallel);
  const outputs: Record<string, string> = {};
  const startedCancelled = scope.signal.aborted;
  const legResults = await Promise.all(
    strategy.legs.map(async (matrixLeg, index) => {
      const release = await parallel.acquire();
      try {
        const legKey = strategy.legs.length > 1 ? `${key}[${index}]` : key;
        // Legs still queued when the run is cancelled, or when fail-fast stops the matrix, do not start.
        if (legsSignal.signal.aborted || (!startedCancelled && scope.signal.aborted)) {
          const report = newJobReport(scope, def.id, legKey, prefixed(legName(baseName, matrixLeg)));
          if (matrixLeg) report.matrix = matrixLeg.matrix;
          report.conclusion = report.result = 'cancelled';
          report.error = String(
            (legsSignal.signal.aborted ? legsSignal.signal.reason : scope.signal.reason) ?? 'cancelled',
          );
          return report.result;
        }
        const leg = makeLeg(scope, def, {
          key: legKey,
          matrixLeg,
          index,
          total: strategy.legs.length,
          failFast: strategy.failFast,
          maxParallel: strategy.maxParallel,
          needs,
          baseName,
          prefixed,
          signals: [scope.signal, legsSignal.signal],
        });
        const result = def.job.type === 'reusableWorkflowJob' ? await runCall(leg, def) : await runRunnerJob(leg, def);
        Object.assign(outputs, result.outputs);
        if (result.result === 'failure' && strategy.failFast && strategy.legs.length > 1) {
          legsSignal.abort('fail-fast: another leg of the matrix failed');
        }
        return result.result;
      } finally {
        release();
      }
    }),
  );
  return { result: aggregate(legResults), outputs };
}

/** The name a job shows before expressions: its literal `name:`, else its id. */
function displayBase(def: JobDefinition): string {
  const name = def.job.name;
  return name && !name.isExpression ? name.toString() : def.id;
}

function makeLeg(
  scope: WorkflowScope,
  def: JobDefinition,
  options: {
    key: string;
    matrixLeg: MatrixLeg | undefined;
    index: number;
    total: number;
    failFast: boolean;
    maxParallel: number;
    needs: JobLeg['needs'];
    baseName: string;
    prefixed: (name: string) => string;
    signals: AbortSignal[];
  },
): JobLeg {
  const own = new AbortController();
  let reason: string | undefined;
  const strategyContext: Record<string, Json> = {
    'fail-fast': options.failFast,
    'job-index': options.index,
    'job-total': options.total,
    'max-parallel': options.maxParallel,
  };
  const partial = { scope, needs: options.needs, matrix: options.matrixLeg?.matrix, strategy: strategyContext };
  // A `name:` with an expression is evaluated after the strategy, and replaces the `name (a, b)` form.
  let name = legName(options.baseName, options.matrixLeg);
  if (def.job.name?.isExpression) {
    try {
      name = stringOf(evaluateTemplate(def.job.name, { contexts: jobContexts(partial, def.id) })) || def.id;
    } catch {
      // GitHub keeps the default name when the display name cannot be evaluated.
    }
  }
  const leg: JobLeg = {
    ...partial,
    id: def.id,
    key: options.key,
    name: options.prefixed(name),
    // A job that starts after its run was cancelled (if: always() or cancelled()) runs normally.
    signal: AbortSignal.any([own.signal, ...options.signals.filter((s) => !s.aborted)]),
    cancel: (why) => {
      reason ??= why;
      own.abort(why);
    },
    cancelReason: () => reason ?? (options.signals.find((s) => s.aborted)?.reason as string | undefined),
    report: newJobReport(scope, def.id, options.key, options.prefixed(name)),
  };
  if (options.matrixLeg) leg.report.matrix = options.matrixLeg.matrix;
  return leg;
}

// ── Calls of reusable workflows ─────────────────────────────────────────────

function definitions(token: MappingToken | undefined): Map<string, MappingToken | undefined> {
  const result = new Map<string, MappingToken | undefined>();
  for (const pair of token ?? []) {
    result.set(pair.key.toString(), pair.value.templateTokenType === 2 ? (pair.value as MappingToken) : undefined);
  }
  return result;
}

/** A `with:` value checked against the input's `type`, as GitHub's template reader does. */
function typedInput(name: string, type: string, value: Json): Json {
  if (type === 'string') return stringOf(value);
  if (type === 'boolean' && typeof value === 'boolean') return value;
  if (type === 'number' && typeof value === 'number') return value;
  throw new Error(`Unexpected value '${stringOf(value)}' for input '${name}' of type ${type}`);
}

async function runCall(leg: JobLeg, def: JobDefinition): Promise<JobResult> {
  const { scope, report } = leg;
  const job = def.job as ReusableWorkflowJob;
  const called = scope.workflow.calls.get(def.id)!;
  const run = scope.run;
  report.calls = `${job.ref.value}`;
  report.startedSeq = run.services.emit({ run: run.id, type: 'job-started', job: leg.key }).seq;
  const contexts = jobContexts(leg, def.id);
  const finish = (conclusion: Conclusion, outputs: Record<string, string> = {}, error?: string): JobResult => {
    report.conclusion = report.result = conclusion;
    report.outputs = outputs;
    if (error) report.error = error;
    report.completedSeq = run.services.emit({
      run: run.id,
      type: 'job-completed',
      job: leg.key,
      detail: conclusion,
    }).seq;
    return { result: conclusion, outputs };
  };

  let inputs: Record<string, Json>;
  let secrets: Record<string, string>;
  try {
    const withValues = def.get('with');
    const given = withValues ? (evaluateTemplate(withValues, { contexts }) as Record<string, Json>) : {};
    const givenByName = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
    inputs = {};
    const callOn = find(
      called.get('on')?.templateTokenType === 2 ? (called.get('on') as MappingToken) : undefined,
      'workflow_call',
    );
    const callSpec = callOn?.templateTokenType === 2 ? (callOn as MappingToken) : undefined;
    for (const [name, spec] of definitions(find(callSpec, 'inputs') as MappingToken | undefined)) {
      const type = find(spec, 'type')?.toString() ?? 'string';
      const defaultToken = find(spec, 'default');
      const value = givenByName.has(name.toLowerCase())
        ? givenByName.get(name.toLowerCase())!
        : defaultToken
          ? evaluateTemplate(defaultToken, { contexts: { github: contexts.github!, inputs: {}, vars: contexts.vars! } })
          : type === 'boolean'
            ? false
            : type === 'number'
              ? 0
              : '';
      inputs[name] = typedInput(name, type, value);
    }
    const secretValues = def.get('secrets');
    if (job['inherit-secrets']) secrets = { ...scope.secrets };
    else if (secretValues && secretValues.templateTokenType === 2) {
      const evaluated = evaluateTemplate(secretValues, { contexts: { ...contexts, secrets: scope.secrets } });
      secrets = Object.fromEntries(Object.entries(evaluated as Record<string, Json>).map(([k, v]) => [k, stringOf(v)]));
    } else secrets = {};
  } catch (error) {
    return finish('failure', {}, (error as Error).message);
  }

  // The grant for the called workflow: the calling job's `permissions`, else the caller's (GitHub's explicitMax).
  const callerPermissions = def.get('permissions') ?? scope.workflow.get('permissions');
  const granted = callerPermissions ? parsePermissions(callerPermissions) : scope.granted;
  const calledRoot = called.get('permissions');
  const inner: WorkflowScope = {
    run,
    workflow: called,
    inputs,
    secrets,
    granted: calledRoot ? parsePermissions(calledRoot) : granted,
    caller: { key: leg.key, name: leg.name },
    signal: leg.signal,
  };

  // A called workflow's own `concurrency:` applies to its run within the caller's.
  const concurrency = called.template.concurrency;
  let group: string | undefined;
  const holder = {
    label: `run ${run.id} / ${leg.name}`,
    run: run.id,
    job: leg.key,
    cancel: (why: string) => leg.cancel(why),
  };
  if (concurrency) {
    const value = evaluateTemplate(concurrency, {
      contexts: { github: contexts.github!, inputs, vars: contexts.vars! },
    });
    const spec = typeof value === 'string' ? { group: value } : (value as Record<string, Json>);
    group = stringOf(spec.group ?? '');
    report.concurrency = group;
    const cancelInProgress = isTruthy(spec['cancel-in-progress'] ?? false);
    const admission = await run.services.concurrency.acquire(group, holder, cancelInProgress, leg.signal);
    if (admission === 'cancelled') return finish('cancelled', {}, leg.cancelReason() ?? 'cancelled while pending');
  }
  try {
    const results = await runWorkflowJobs(inner);
    const conclusion = aggregate([...results.values()].map((r) => r.result));
    // on.workflow_call.outputs: each `value` over the called jobs' results and outputs.
    const outputs: Record<string, string> = {};
    const jobsContext = Object.fromEntries(
      [...results].map(([id, r]) => [id, { result: r.result, outputs: r.outputs }]),
    );
    const onToken = called.get('on');
    const callSpec = onToken?.templateTokenType === 2 ? find(onToken as MappingToken, 'workflow_call') : undefined;
    const outputSpecs = callSpec?.templateTokenType === 2 ? find(callSpec as MappingToken, 'outputs') : undefined;
    for (const [name, spec] of definitions(outputSpecs as MappingToken | undefined)) {
      const valueToken = find(spec, 'value');
      if (!valueToken) continue;
      try {
        outputs[name] = stringOf(
          evaluateTemplate(valueToken, {
            contexts: { github: contexts.github!, inputs, vars: contexts.vars!, jobs: jobsContext },
          }),
        );
      } catch (error) {
        return finish('failure', outputs, `Error evaluating output '${name}': ${(error as Error).message}`);
      }
    }
    return finish(leg.signal.aborted && conclusion !== 'failure' ? 'cancelled' : conclusion, outputs);
  } finally {
    if (group) run.services.concurrency.release(group, holder);
  }
}
