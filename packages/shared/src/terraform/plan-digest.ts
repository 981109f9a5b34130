import { createHash, type Hash } from 'node:crypto';
import type { JsonChange, JsonPlan, JsonResourceChange } from './plan-types.ts';

/*
 * The digest ties an approval to the changes that were reviewed: tf-apply
 * recomputes it from the plan it is about to apply, and replan-and-compare
 * from a fresh plan. It covers what the plan will DO and nothing that varies
 * between two runs of the same plan. Canonical form, version 1:
 *
 *   digest = lowercase hex SHA-256 of the UTF-8 bytes of the canonical JSON of
 *   {
 *     "output_changes": { <name>: {actions, after, after_sensitive,
 *                          after_unknown, before, before_sensitive} },
 *     "resource_changes": [ {action_reason, actions, address, after,
 *                          after_sensitive, after_unknown, before,
 *                          before_sensitive, deposed, importing, mode,
 *                          previous_address, provider_name, replace_paths,
 *                          type} ],
 *     "version": 1
 *   }
 *
 * - resource_changes: every entry of the plan's `resource_changes` whose
 *   actions are not just `no-op`, plus no-ops that move (`previous_address`)
 *   or import (`change.importing`); the `change.*` fields are lifted to the
 *   top level; sorted by address, then deposed key (none first).
 * - output_changes: every output whose actions are not just `no-op`.
 * - A field the plan leaves out is left out; `null` stays `null`.
 * - Canonical JSON is RFC 8785 (JCS) text, which is what ECMAScript gives:
 *   no whitespace, object keys sorted by UTF-16 code units at every depth,
 *   strings and numbers as `JSON.stringify` writes them, array order kept.
 *
 * Left out as volatile or derived: timestamp, terraform_version,
 * format_version, prior_state, planned_values, configuration,
 * relevant_attributes, checks, resource_drift, variables, errored,
 * applyable, complete. Changing this form changes every digest: bump
 * `version` and tell tf-apply users that plans made before must be re-planned.
 */
const CANONICAL_FORM_VERSION = 1;

/** The digest's fields of a resource change, keys in sorted order; JSON.stringify leaves out those the plan does not have. */
function resourceView(rc: JsonResourceChange): object {
  const change = rc.change;
  // A literal of one shape for every resource: JSON.stringify walks it fastest.
  return {
    action_reason: rc.action_reason,
    actions: change.actions,
    address: rc.address,
    after: change.after,
    after_sensitive: change.after_sensitive,
    after_unknown: change.after_unknown,
    before: change.before,
    before_sensitive: change.before_sensitive,
    deposed: rc.deposed,
    importing: change.importing,
    mode: rc.mode,
    previous_address: rc.previous_address,
    provider_name: rc.provider_name,
    replace_paths: change.replace_paths,
    type: rc.type,
  };
}

/** The digest's fields of an output change, keys in sorted order. */
function outputView(change: JsonChange): object {
  return {
    actions: change.actions,
    after: change.after,
    after_sensitive: change.after_sensitive,
    after_unknown: change.after_unknown,
    before: change.before,
    before_sensitive: change.before_sensitive,
  };
}

function isPlannedChange(rc: JsonResourceChange): boolean {
  const actions = rc.change.actions;
  if (!(actions.length === 1 && actions[0] === 'no-op')) return true;
  return (rc.previous_address !== undefined && rc.previous_address !== rc.address) || rc.change.importing !== undefined;
}

function compareResources(a: JsonResourceChange, b: JsonResourceChange): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  const da = a.deposed ?? '';
  const db = b.deposed ?? '';
  return da === db ? 0 : da < db ? -1 : 1;
}

/**
 * Whether JSON.stringify already writes `value` canonically: every object's
 * keys in sorted order (Terraform writes them so; JavaScript enumerates
 * integer-like keys first, which this catches).
 */
function keysInCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'number' || Number.isFinite(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!keysInCanonicalOrder(value[i])) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in record) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    // JSON.stringify leaves out an undefined property, as sortedJson does.
    const item = record[key];
    if (item !== undefined && !keysInCanonicalOrder(item)) return false;
  }
  return true;
}

/** Canonical (JCS) JSON text of a parsed JSON value. */
export function canonicalJson(value: unknown): string {
  // The native serialiser is several times faster; check, then use it.
  return keysInCanonicalOrder(value) ? JSON.stringify(value) : sortedJson(value);
}

function sortedJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON has no NaN or Infinity; JSON.stringify writes them as null too.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : sortedJson(item);
        }
        return out + ']';
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + sortedJson(item);
        first = false;
      }
      return out + '}';
    }
    default:
      // undefined, functions and symbols do not occur in parsed JSON.
      return 'null';
  }
}

/**
 * Items serialised per native call: about 100 KiB of a plan's JSON. One call
 * per resource costs more in crossings into native code than the writing;
 * one for a whole large plan builds a string of tens of megabytes that the
 * hash then copies again. On a synthetic plan of 50k resources here: about
 * 180 ms, against 240 ms one call per resource and 300 ms one call.
 */
const RUN_LENGTH = 128;

/**
 * Hashes the canonical JSON of a list: runs of items JSON.stringify already
 * writes canonically (Terraform's are) in one native call per RUN_LENGTH,
 * the others sorted.
 */
function hashList(hash: Hash, items: readonly unknown[]): void {
  let run: unknown[] = [];
  let separator = '';
  const flush = () => {
    if (run.length === 0) return;
    hash.update(separator);
    hash.update(JSON.stringify(run).slice(1, -1));
    separator = ',';
    run = [];
  };
  hash.update('[');
  for (const item of items) {
    if (keysInCanonicalOrder(item)) {
      run.push(item);
      if (run.length >= RUN_LENGTH) flush();
      continue;
    }
    flush();
    hash.update(separator);
    hash.update(sortedJson(item));
    separator = ',';
  }
  flush();
  hash.update(']');
}

/** The SHA-256 of the plan's planned changes in canonical form (see above). */
export function planDigest(plan: JsonPlan): string {
  const hash = createHash('sha256');

  hash.update('{"output_changes":{');
  const outputs = plan.output_changes ?? {};
  let first = true;
  for (const name of Object.keys(outputs).sort()) {
    const change = outputs[name];
    if (!change || (change.actions.length === 1 && change.actions[0] === 'no-op')) continue;
    hash.update((first ? '' : ',') + JSON.stringify(name) + ':' + canonicalJson(outputView(change)));
    first = false;
  }

  hash.update('},"resource_changes":');
  const resources = (plan.resource_changes ?? []).filter(isPlannedChange);
  // Terraform already writes them in this order; sorting is then a wasted pass.
  if (!resources.every((rc, i) => i === 0 || compareResources(resources[i - 1] as JsonResourceChange, rc) <= 0)) {
    resources.sort(compareResources);
  }
  hashList(hash, resources.map(resourceView));
  hash.update(`,"version":${CANONICAL_FORM_VERSION}}`);
  return hash.digest('hex');
}
