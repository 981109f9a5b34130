import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ActionError } from '../action/action-error.ts';
import { spawnRunner, type CommandRunner } from '../util/command.ts';
import { maskPlan, maskTerraformValue, maskText } from './plan-mask.ts';
import { resourceAction, summarizePlan } from './plan-summary.ts';
import type { JsonPlan, PlanSummary } from './plan-types.ts';
import { prepareStack, type PrepareStackOptions, type StackLocation } from './stack.ts';
import type { TerraformSettings } from './terraform-inputs.ts';

// One stack of drift-detect: init, then `plan -refresh-only` (changes made
// outside Terraform) and, in `full` mode, a normal plan (configuration not
// applied). Never throws: a failure is the stack's result, so that the other
// stacks still run. Its Terraform output is kept, not printed, so that
// concurrent stacks do not mix their lines; the caller prints it whole.

/** `refresh-only`: changes made outside Terraform; `full`: also configuration that was not applied. */
export type DriftMode = 'refresh-only' | 'full';

export interface DriftCheckSettings extends TerraformSettings {
  mode: DriftMode;
  maskPatterns: RegExp[];
}

export interface DriftCheckDeps {
  workspaceRoot: string;
  runnerTemp: string;
  /** Values that must not appear in texts (variables, backend settings). */
  secrets: readonly string[];
  /** Shared by the stacks of a run: see sharedSetup(). */
  setup?: PrepareStackOptions['setup'];
  /** How Terraform runs, writing its output to `log`; default: spawned. */
  exec?: (log: NodeJS.WritableStream) => CommandRunner;
}

/** A resource changed outside Terraform. */
export interface DriftedResource {
  address: string;
  change: 'changed' | 'deleted';
  /** Top-level attributes whose value changed; names only, values may be secret. */
  attributes: string[];
}

export interface PlanOutcome {
  summary: PlanSummary;
  /** What `-detailed-exitcode` said: exit code 2. */
  changes: boolean;
  /** The plan as Terraform printed it, masked. */
  text: string;
}

export type StackStatus = 'clean' | 'drifted' | 'errored';

export interface StackCheck {
  location: StackLocation;
  status: StackStatus;
  toolVersion?: string;
  /** The refresh-only plan: drift. */
  refreshOnly?: PlanOutcome;
  /** The normal plan (`full` mode): configuration not applied. */
  full?: PlanOutcome;
  drifted: DriftedResource[];
  /** Why the stack could not be checked; its message is masked. */
  failure?: { stage: string; message: string; reason: string };
  durationMs: number;
  /** Values found secret in this stack's plans (registered with the runner's mask). */
  secrets: string[];
  /** Terraform's output and the stages, masked, to print as one group. */
  log: string;
}

/** Where drift-detect keeps plan files; each stack removes its own, the post step the rest. */
export function driftWorkDir(runnerTemp: string): string {
  return path.join(runnerTemp, 'iac-actions-drift');
}

export async function checkStack(
  settings: DriftCheckSettings,
  location: StackLocation,
  deps: DriftCheckDeps,
): Promise<StackCheck> {
  const started = performance.now();
  const log = new LogBuffer();
  const secrets: string[] = [];
  const scrub = (text: string) => maskText(text, [...deps.secrets, ...secrets]);
  const check: StackCheck = { location, status: 'clean', drifted: [], durationMs: 0, secrets, log: '' };
  let stageName = 'init';
  const stage = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    stageName = name;
    log.write(`==> ${name}\n`);
    return run();
  };
  // 0700: the plan files Terraform writes there hold every secret of the plans.
  await mkdir(driftWorkDir(deps.runnerTemp), { recursive: true, mode: 0o700 });
  const planDir = await mkdtemp(path.join(driftWorkDir(deps.runnerTemp), 'stack-'));
  try {
    const { cli, version } = await prepareStack(settings, location, {
      workspaceRoot: deps.workspaceRoot,
      runnerTemp: deps.runnerTemp,
      stage,
      exec: (deps.exec ?? spawnRunner)(log),
      ...(deps.setup ? { setup: deps.setup } : {}),
    });
    check.toolVersion = version;
    const plan = async (mode: 'refresh-only' | 'normal') => {
      const out = path.join(planDir, `${mode}.tfplan`);
      const label = mode === 'refresh-only' ? 'plan -refresh-only' : 'plan';
      const planned = await stage(label, () =>
        cli.plan({
          out,
          mode,
          vars: settings.variables,
          varFiles: settings.varFiles,
          lockTimeout: settings.lockTimeout,
        }),
      );
      const json = JSON.parse(await stage(`show ${label}`, () => cli.showJson(out))) as JsonPlan;
      const masked = maskPlan(json, { patterns: settings.maskPatterns });
      masked.secrets.forEach(maskTerraformValue);
      secrets.push(...masked.secrets);
      const text = scrub(planned.stdout);
      log.write(text.endsWith('\n') ? text : `${text}\n`);
      return { plan: masked.plan, outcome: { summary: summarizePlan(masked.plan), changes: planned.changes, text } };
    };
    const refresh = await plan('refresh-only');
    check.refreshOnly = refresh.outcome;
    check.drifted = driftedResources(refresh.plan);
    if (settings.mode === 'full') check.full = (await plan('normal')).outcome;
    check.status = hasDrift(check) ? 'drifted' : 'clean';
  } catch (error) {
    check.status = 'errored';
    if (error instanceof ActionError) {
      check.failure = { stage: stageName, message: scrub(error.message), reason: error.reason };
    } else {
      // A bug: the stack reports it; its trace goes to the stack's log.
      const text = error instanceof Error ? error.message : String(error);
      check.failure = { stage: stageName, message: scrub(`unexpected error: ${text}`), reason: 'internal-error' };
      log.write(`${scrub(error instanceof Error ? (error.stack ?? text) : text)}\n`);
    }
    log.write(`${check.failure.message}\n`);
  } finally {
    await rm(planDir, { recursive: true, force: true });
  }
  check.durationMs = performance.now() - started;
  check.log = scrub(log.text());
  return check;
}

/** Drift: changes outside Terraform, or (full mode) configuration not applied. */
export function hasDrift(check: Pick<StackCheck, 'refreshOnly' | 'full' | 'drifted'>): boolean {
  const outside = check.drifted.length > 0 || check.refreshOnly?.changes === true;
  const pending = check.full !== undefined && (check.full.changes || check.full.summary.hasChanges);
  return outside || pending;
}

/** The resources a (masked) plan found changed outside Terraform, with the attributes that changed. */
export function driftedResources(plan: JsonPlan): DriftedResource[] {
  const drifted: DriftedResource[] = [];
  for (const rc of plan.resource_drift ?? []) {
    const action = resourceAction(rc.change.actions);
    if (action === 'no-op') continue;
    const deleted = action === 'delete';
    drifted.push({
      address: rc.address,
      change: deleted ? 'deleted' : 'changed',
      attributes: deleted ? [] : changedAttributes(rc.change.before, rc.change.after),
    });
  }
  return drifted.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function changedAttributes(before: unknown, after: unknown): string[] {
  if (!isObject(before) || !isObject(after)) return [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])).sort();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects what a stack's commands print, to print it whole when the stack is done. */
class LogBuffer extends Writable {
  readonly #chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#chunks.push(chunk);
    done();
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}
