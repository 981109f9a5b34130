import type { ActionEvent } from '../../test/harness/run-action.ts';
import { webhookPayload } from '../../test/harness/webhooks.ts';

// The event a local run is triggered by: a real payload GitHub published
// (@octokit/webhooks-examples, through the harness's webhooks.ts), the two
// Actions-only events the examples lack, or a payload of the user's own.

export interface LocalEvent extends ActionEvent {
  /** Where the payload came from, in words. */
  source: string;
}

/** A bad `--event` or `--event-file`: its message is the one line to print. */
export class EventError extends Error {}

/** The payload of `--event name[.action]`. */
export function exampleEvent(name: string, action?: string): LocalEvent {
  if (name === 'schedule') {
    if (action) throw new EventError('a schedule event has no action: give --event schedule');
    // Not a webhook, so not among the examples: GitHub sends the cron line,
    // the workflow and, since 2022, the repository and the sender.
    const { repository, sender } = webhookPayload('push');
    return {
      name,
      payload: { schedule: '0 6 * * *', workflow: '.github/workflows/local-run.yml', repository, sender },
      source: 'synthesized as GitHub sends it (the cron line, the workflow, the repository, the sender)',
    };
  }
  // pull_request_target carries the pull_request payload; only the event name differs.
  const example = name === 'pull_request_target' ? 'pull_request' : name;
  let payload: Record<string, unknown>;
  try {
    payload = webhookPayload(example, action);
  } catch {
    throw new EventError(
      `@octokit/webhooks-examples has no ${action ? `'${name}' payload with action '${action}'` : `'${name}' event`}; ` +
        'name another (push, pull_request, pull_request_review, workflow_dispatch, merge_group, schedule, …) or give --event-file',
    );
  }
  const shown = typeof payload.action === 'string' ? `${name} (${payload.action})` : name;
  return { name, payload, source: `@octokit/webhooks-examples: ${shown}` };
}

/** The payload of `--event-file`, read as `text`; its name from `--event`, else guessed from the payload. */
export function customEvent(text: string, file: string, name: string | undefined): LocalEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new EventError(`--event-file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new EventError(`--event-file ${file} must hold a JSON object, a webhook payload`);
  }
  const record = payload as Record<string, unknown>;
  const eventName = name ?? guessEventName(record);
  return { name: eventName, payload: record, source: `${file}${name ? '' : ` (event name guessed: ${eventName})`}` };
}

/** The event a payload most likely belongs to, from the keys only one kind of event has. */
export function guessEventName(payload: Record<string, unknown>): string {
  const has = (key: string) => key in payload;
  if (has('schedule')) return 'schedule';
  if (has('merge_group')) return 'merge_group';
  if (has('pull_request')) {
    if (has('review')) return 'pull_request_review';
    if (has('comment')) return 'pull_request_review_comment';
    return 'pull_request';
  }
  if (has('issue')) return has('comment') ? 'issue_comment' : 'issues';
  if (has('release')) return 'release';
  if (has('inputs') && has('workflow')) return 'workflow_dispatch';
  return 'push';
}
