import { createRequire } from 'node:module';

// Real webhook payloads published by GitHub, from @octokit/webhooks-examples.
const require = createRequire(import.meta.url);
const catalogue = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: Record<string, unknown>[];
}[];

/**
 * A real payload of `event`, the first with `action` when given, deep-copied so
 * a test can adjust it.
 */
export function webhookPayload(event: string, action?: string): Record<string, unknown> {
  const examples = catalogue.find((entry) => entry.name === event)?.examples ?? [];
  const example = examples.find((e) => action === undefined || e.action === action);
  if (!example) throw new Error(`no webhook example for ${event}${action ? `.${action}` : ''}`);
  return structuredClone(example);
}

/** A real `push` event of the tag `tag` (refs/tags/<tag>), as a release's workflow run gets it. */
export function tagPushEvent(tag: string): { name: string; payload: Record<string, unknown> } {
  const payload = webhookPayload('push');
  payload.ref = `refs/tags/${tag}`;
  return { name: 'push', payload };
}
