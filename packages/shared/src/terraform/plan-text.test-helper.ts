import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonPlan, ResourceAction } from './plan-types.ts';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';

// Test-only: the OpenTofu fixtures and a reader of the human plan text, so
// that tests check the plan model against what the CLI itself printed.

/** The OpenTofu fixtures, with a trailing separator. */
export const FIXTURES = OPENTOFU_FIXTURES + path.sep;

export function readJson<T = JsonPlan>(...segments: string[]): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, ...segments), 'utf8')) as T;
}

export function readText(...segments: string[]): string {
  return readFileSync(path.join(FIXTURES, ...segments), 'utf8');
}

export function fixtureNames(folder: string, suffix = ''): string[] {
  return readdirSync(path.join(FIXTURES, folder))
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export interface TextResource {
  address: string;
  action: ResourceAction;
  movedFrom?: string;
  deposed?: string;
}

export interface PlanText {
  /** `Plan: 1 to add, 0 to change, 0 to destroy.` when printed. */
  planLine?: string;
  noChanges: boolean;
  resources: TextResource[];
  /** The "Objects have changed outside of ..." section. */
  drift: { address: string; action: 'update' | 'delete' }[];
}

const CHANGE_PHRASES: [RegExp, ResourceAction][] = [
  [/ will be created$/, 'create'],
  [/ will be updated in-place$/, 'update'],
  [/ will be destroyed$/, 'delete'],
  [
    / (?:must be replaced|is tainted, so it must be replaced|will be replaced, as requested|will be replaced due to changes in replace_triggered_by)(?: - .*)?$/,
    'replace',
  ],
  [/ will be read during apply$/, 'read'],
  [/ will be removed from the (?:OpenTofu|Terraform) state but will not be destroyed$/, 'forget'],
  [/ will be imported$/, 'no-op'],
];

function splitDeposed(text: string): { address: string; deposed?: string } {
  const match = / \(deposed object (\S+)\)$/.exec(text);
  return match ? { address: text.slice(0, match.index), deposed: match[1]! } : { address: text };
}

/** Reads the resource headings and summary line of `tofu plan` / `terraform plan` output. */
export function parsePlanText(text: string): PlanText {
  const result: PlanText = { noChanges: false, resources: [], drift: [] };
  for (const line of text.split('\n')) {
    const planLine = /^Plan: .*\.$/.exec(line);
    if (planLine) result.planLine = planLine[0];
    if (/^No changes\./.test(line)) result.noChanges = true;

    // Resource headings sit at two spaces; deeper `# (...)` lines are diff notes.
    const heading = /^ {2}# (?!\()(.+)$/.exec(line);
    if (heading) {
      const body = heading[1]!;
      const moved = /^(\S+) has moved to (.+)$/.exec(body);
      if (moved) {
        result.resources.push({ ...splitDeposed(moved[2]!), action: 'no-op', movedFrom: moved[1]! });
        continue;
      }
      const drift = /^(.+) (has changed|has been deleted)$/.exec(body);
      if (drift) {
        result.drift.push({ address: drift[1]!, action: drift[2] === 'has changed' ? 'update' : 'delete' });
        continue;
      }
      for (const [phrase, action] of CHANGE_PHRASES) {
        const match = phrase.exec(body);
        if (match) {
          result.resources.push({ ...splitDeposed(body.slice(0, match.index)), action });
          break;
        }
      }
      continue;
    }
    const movedFrom = /^ {2}# \(moved from (.+)\)$/.exec(line);
    const last = result.resources.at(-1);
    if (movedFrom && last) last.movedFrom = movedFrom[1]!;
  }
  return result;
}
