import { createRequire } from 'node:module';
import { webhookPayload } from '../../../../../test/harness/webhooks.ts';
import type { GitContext } from './context.ts';
import { parseFlavor } from './flavor.ts';
import { parseTagRules } from './tag.ts';
import { computeTags } from './tags.ts';

// Run contexts of real event payloads (@octokit/webhooks-examples), for the
// tag engine's tests. Expected tags come from docker/metadata-action's README
// tables and tests, which also run at 2020-01-10T00:30:00Z.

export const NOW = new Date('2020-01-10T00:30:00.000Z');
export const MERGE_SHA = '1e9249f05bfc090e0688b8fb9c1b347586add504';
export const DISPATCH_SHA = '90dd6032fac8bda1b6c4436a2e65de27961ed071';

/** A push of `ref` to Codertocat/Hello-World, whose default branch is master. */
export function push(ref: string): GitContext {
  const payload = webhookPayload('push');
  payload.ref = ref;
  return { eventName: 'push', ref, sha: String(payload.after), payload, now: NOW };
}

/** Pull request #2 of Codertocat/Hello-World, from `changes` into master. */
export function pullRequest(eventName: 'pull_request' | 'pull_request_target' = 'pull_request'): GitContext {
  const payload = webhookPayload('pull_request', 'opened');
  // pull_request_target runs on the base branch; pull_request on the merge ref.
  const ref = eventName === 'pull_request' ? `refs/pull/${String(payload.number)}/merge` : 'refs/heads/master';
  return { eventName, ref, sha: MERGE_SHA, payload, now: NOW };
}

/** A scheduled run on master; the repository from the push payload stands for what the API gives. */
export function schedule(): GitContext {
  const payload = { schedule: '30 0 * * *', repository: webhookPayload('push').repository };
  return { eventName: 'schedule', ref: 'refs/heads/master', sha: DISPATCH_SHA, payload, now: NOW };
}

/** A scheduled run as GitHub sends it: the payload has no repository. */
export function bareSchedule(): GitContext {
  return {
    eventName: 'schedule',
    ref: 'refs/heads/main',
    sha: DISPATCH_SHA,
    payload: { schedule: '30 0 * * *' },
    now: NOW,
  };
}

/** A manual run of octo-org/octo-repo on main, its default branch. */
export function workflowDispatch(): GitContext {
  const payload = webhookPayload('workflow_dispatch');
  return { eventName: 'workflow_dispatch', ref: String(payload.ref), sha: DISPATCH_SHA, payload, now: NOW };
}

/** The real push to a branch (refs/heads/master) with its `commits`, as GitHub sends it. */
export function branchPush(): GitContext {
  const catalogue = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const example = catalogue
    .find((entry) => entry.name === 'push')!
    .examples.find((e) => e.ref === 'refs/heads/master' && Array.isArray(e.commits) && e.commits.length > 0)!;
  const payload = structuredClone(example);
  return { eventName: 'push', ref: String(payload.ref), sha: String(payload.after), payload, now: NOW };
}

/** The tags `tags` and `flavor` give in `context`. */
export function tagsFor(tags: string, context: GitContext, flavor = '') {
  return computeTags(parseTagRules(tags), parseFlavor(flavor), context);
}
