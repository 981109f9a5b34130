import type { EventsConfig } from '@actions/workflow-parser/model/workflow-template';
import type { RunIdentity, WorkflowEvent } from './events.ts';
import { matchesAny, matchesFilters } from './filter-pattern.ts';

// Whether a workflow's `on:` runs for an event ("Events that trigger
// workflows" and the `on.<event>.<types|branches|tags|paths>` syntax).

/** The activity types an event triggers on when `types` is not given. */
const DEFAULT_TYPES: Record<string, readonly string[]> = {
  // "By default, a workflow only runs when a pull_request event's activity type is opened, synchronize, or reopened."
  pull_request: ['opened', 'synchronize', 'reopened'],
  pull_request_target: ['opened', 'synchronize', 'reopened'],
};

interface Filters {
  types?: string[];
  branches?: string[];
  'branches-ignore'?: string[];
  tags?: string[];
  'tags-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
}

export type TriggerDecision = { triggered: true } | { triggered: false; reason: string };

const no = (reason: string): TriggerDecision => ({ triggered: false, reason });

function refFilter(name: string, filters: Filters, kind: 'branches' | 'tags'): TriggerDecision | undefined {
  const include = filters[kind];
  const ignore = filters[`${kind}-ignore`];
  const what = kind === 'branches' ? 'branch' : 'tag';
  if (include && !matchesFilters(name, include)) return no(`${what} '${name}' matches no ${kind} filter`);
  if (ignore && matchesAny(name, ignore)) return no(`${what} '${name}' matches ${kind}-ignore`);
  return undefined;
}

async function pathFilter(filters: Filters, identity: RunIdentity): Promise<TriggerDecision | undefined> {
  if (!filters.paths && !filters['paths-ignore']) return undefined;
  const files = (await identity.changedFiles?.()) ?? [];
  // "If at least one path matches a pattern in the paths filter, the workflow runs."
  if (filters.paths && !files.some((file) => matchesFilters(file, filters.paths!))) {
    return no(`no changed file matches the paths filter (changed: ${files.join(', ') || 'none'})`);
  }
  // "If all the path names match patterns in paths-ignore, the workflow will not run."
  if (
    filters['paths-ignore'] &&
    files.length > 0 &&
    files.every((file) => matchesAny(file, filters['paths-ignore']!))
  ) {
    return no('every changed file matches paths-ignore');
  }
  return undefined;
}

export async function triggerDecision(
  on: EventsConfig,
  event: WorkflowEvent,
  identity: RunIdentity,
): Promise<TriggerDecision> {
  if (!(event.name in on)) return no(`the workflow does not run on '${event.name}'`);
  const filters = (on[event.name] ?? {}) as Filters;
  const payload = event.payload as { action?: string; schedule?: string };

  const types = filters.types ?? DEFAULT_TYPES[event.name];
  if (types && payload.action !== undefined && !types.includes(payload.action)) {
    return no(`activity type '${payload.action}' is not one of ${types.join(', ')}`);
  }

  switch (event.name) {
    case 'push': {
      const ref = identity.ref;
      const hasBranchFilter = filters.branches || filters['branches-ignore'];
      const hasTagFilter = filters.tags || filters['tags-ignore'];
      if (ref.startsWith('refs/tags/')) {
        // "If you define only branches/branches-ignore, the workflow won't run for events affecting tags."
        if (hasBranchFilter && !hasTagFilter) return no('the push filters name branches only, and this push is a tag');
        // Path filters are not evaluated for pushes of tags.
        return refFilter(ref.slice('refs/tags/'.length), filters, 'tags') ?? { triggered: true };
      }
      if (hasTagFilter && !hasBranchFilter) return no('the push filters name tags only, and this push is a branch');
      return (
        refFilter(ref.replace(/^refs\/heads\//, ''), filters, 'branches') ??
        (await pathFilter(filters, identity)) ?? { triggered: true }
      );
    }
    case 'pull_request':
    case 'pull_request_target':
      // Branch filters of pull request events match the base branch.
      return (
        refFilter(identity.baseRef, filters, 'branches') ??
        (event.name === 'pull_request' ? await pathFilter(filters, identity) : undefined) ?? { triggered: true }
      );
    case 'schedule': {
      const crons = (on.schedule ?? []).map((entry) => entry.cron);
      if (payload.schedule !== undefined && !crons.includes(payload.schedule)) {
        return no(`the schedule '${payload.schedule}' is not one of ${crons.join(', ')}`);
      }
      return { triggered: true };
    }
    default:
      return { triggered: true };
  }
}
