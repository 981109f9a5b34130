import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// A scenario is one real OpenTofu run kept as files: `plan` (human text of
// `tofu plan`), `plan.json` (`tofu show -json planfile`), `apply.json` (the
// -json UI stream of the apply, as an array), `state.json` (`tofu show -json`
// of the state after it). This module turns those files into what each
// command prints.

export function loadScenario(dir) {
  const file = (name) => path.join(dir, name);
  for (const name of ['plan', 'plan.json']) {
    if (!existsSync(file(name))) throw new Error(`terraform double: scenario ${dir} has no ${name}`);
  }
  const planJsonText = readFileSync(file('plan.json'), 'utf8');
  return {
    dir: path.resolve(dir),
    planText: readFileSync(file('plan'), 'utf8'),
    planJsonText,
    plan: JSON.parse(planJsonText),
    applyLog: existsSync(file('apply.json')) ? JSON.parse(readFileSync(file('apply.json'), 'utf8')) : [],
    stateJsonText: existsSync(file('state.json')) ? readFileSync(file('state.json'), 'utf8') : undefined,
    stateText: existsSync(file('state')) ? readFileSync(file('state'), 'utf8') : undefined,
  };
}

/**
 * Whether `plan -detailed-exitcode` exits 2: the rule of plans.Plan.CanApply.
 * Any resource change other than a no-op (moves and imports included) or an
 * output change; drift only counts in a refresh-only plan.
 */
export function planHasChanges(plan, mode) {
  if (typeof plan.applyable === 'boolean') return plan.applyable;
  const resourceChanges = (plan.resource_changes ?? []).some(
    (rc) =>
      rc.change.actions.some((a) => a !== 'no-op') ||
      (rc.previous_address && rc.previous_address !== rc.address) ||
      rc.change.importing,
  );
  const outputChanges = Object.values(plan.output_changes ?? {}).some((oc) => oc.actions.some((a) => a !== 'no-op'));
  if (resourceChanges || outputChanges) return true;
  return mode === 'refresh-only' && (plan.resource_drift ?? []).length > 0;
}

/** Provider requirements, from the configuration block of the JSON plan. */
export function providersOf(plan, tool) {
  const config = plan.configuration?.provider_config ?? {};
  const seen = new Map();
  for (const entry of Object.values(config)) {
    const address = tool === 'terraform' ? toTerraformRegistry(entry.full_name) : entry.full_name;
    if (seen.has(address)) continue;
    const constraint = entry.version_constraint ?? '';
    // Without a constraint the real tool installs the newest release; any fixed version will do here.
    const version = constraint.match(/\d+\.\d+\.\d+/)?.[0] ?? '3.2.2';
    const display = address.split('/').slice(1).join('/');
    seen.set(address, { address, display, constraint, version });
  }
  return [...seen.values()];
}

function toTerraformRegistry(address) {
  return address.replace(/^registry\.opentofu\.org\//, 'registry.terraform.io/');
}

/** The scenarios are OpenTofu's; as `terraform` the double words them as Terraform does. */
export function inToolWords(text, tool) {
  if (tool === 'tofu') return text;
  return text
    .replace(/OpenTofu/g, 'Terraform')
    .replace(/"tofu /g, '"terraform ')
    .replace(/^( {4})tofu /gm, '$1terraform ');
}

const REFRESH_LINE = /^.+: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after \S+)( \[.*\])?$/;
const RULE = /\n\n─+\n[\s\S]*$/;

/**
 * What `plan` prints on stdout. The scenario was recorded with `-out` and not
 * in automation; with TF_IN_AUTOMATION Terraform leaves out the "Saved the
 * plan" next steps (views.OperationHuman.PlanNextStep).
 */
export function planOutput(scenario, { tool, out, inAutomation }) {
  let text = inToolWords(scenario.planText, tool);
  if (inAutomation) {
    text = text.replace(RULE, '\n');
  } else if (out) {
    text = text.replace(/equivalence_test_plan/g, out);
  }
  return ensureNewline(text);
}

/**
 * What `show PLANFILE` prints: the rendered plan alone. Refreshing happens
 * while planning, and the next steps are advice of the plan command, so
 * neither is part of a saved plan.
 */
export function showPlanOutput(scenario, { tool }) {
  const lines = inToolWords(scenario.planText, tool)
    .replace(RULE, '\n')
    .split('\n')
    .filter((line) => !REFRESH_LINE.test(line));
  return ensureNewline(lines.join('\n'));
}

/** Lines of the refresh that precede a plan, for a plan that then fails. */
export function refreshLines(scenario) {
  const lines = scenario.planText.split('\n').filter((line) => REFRESH_LINE.test(line));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function ensureNewline(text) {
  return text.endsWith('\n') ? text : `${text}\n`;
}

// A real plan file is a zip archive: the binary plan, the configuration and
// the state it was made against. The double's records where it came from,
// so that `show` and `apply` answer for that plan and not for whatever the
// environment says now. It starts with the zip magic like the real one and
// carries a timestamp, so that two plans of the same scenario differ in bytes
// just as real plan files do.
const PLAN_MAGIC = 'PK\x03\x04terraform-double-plan\n';

export function encodePlanFile(record) {
  return Buffer.concat([
    Buffer.from(PLAN_MAGIC, 'latin1'),
    Buffer.from(JSON.stringify(record)),
    Buffer.from([0, 0xff]),
  ]);
}

export function decodePlanFile(bytes) {
  const magic = Buffer.from(PLAN_MAGIC, 'latin1');
  if (bytes.length < magic.length + 2 || !bytes.subarray(0, magic.length).equals(magic)) return undefined;
  try {
    return JSON.parse(bytes.subarray(magic.length, bytes.length - 2).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function digest(text) {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `state pull` prints the state file itself (format version 4), not the
 * `show -json` rendering the scenario keeps; this rebuilds the one from the
 * other so that code reading `state pull` meets the real format.
 */
export function rawState(scenario, version) {
  const shown = scenario.stateJsonText ? JSON.parse(scenario.stateJsonText) : { values: {} };
  const values = shown.values ?? {};
  const resources = new Map();
  const visit = (module, moduleAddress) => {
    for (const r of module?.resources ?? []) {
      const key = `${moduleAddress}|${r.mode}|${r.type}|${r.name}`;
      if (!resources.has(key)) {
        resources.set(key, {
          ...(moduleAddress ? { module: moduleAddress } : {}),
          mode: r.mode,
          type: r.type,
          name: r.name,
          provider: `provider["${r.provider_name}"]`,
          instances: [],
        });
      }
      resources.get(key).instances.push({
        ...(r.index !== undefined ? { index_key: r.index } : {}),
        schema_version: r.schema_version ?? 0,
        attributes: r.values ?? {},
        sensitive_attributes: [],
      });
    }
    for (const child of module?.child_modules ?? []) visit(child, child.address);
  };
  visit(values.root_module, '');
  const outputs = Object.fromEntries(
    Object.entries(values.outputs ?? {}).map(([name, o]) => [
      name,
      { value: o.value, type: o.type, ...(o.sensitive ? { sensitive: true } : {}) },
    ]),
  );
  return `${JSON.stringify(
    {
      version: 4,
      terraform_version: version,
      serial: 1,
      lineage: lineageOf(scenario.dir),
      outputs,
      resources: [...resources.values()],
      check_results: null,
    },
    null,
    2,
  )}\n`;
}

function lineageOf(dir) {
  const h = digest(dir);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `output -json`: every root output with its sensitivity, type and value. */
export function outputsOf(scenario) {
  const shown = scenario.stateJsonText ? JSON.parse(scenario.stateJsonText) : { values: {} };
  const outputs = shown.values?.outputs ?? {};
  return Object.fromEntries(
    Object.keys(outputs)
      .sort()
      .map((name) => [
        name,
        { sensitive: Boolean(outputs[name].sensitive), type: outputs[name].type, value: outputs[name].value },
      ]),
  );
}
