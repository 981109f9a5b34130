import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { closedPortUrl, routes, startHttpApp } from '../../../../test/services/http-app.ts';
import { postSlackMessage, slackEscape, slackLink, slackMessage, WebhookError } from './slack-webhook.ts';

const HOOK = '/services/T0001/B0001/s3cretWebhookToken';
const fast = { firstDelayMs: 1, maxDelayMs: 5 };

describe('slackMessage', () => {
  it('has a plain text for notifications and blocks for the layout, escaped', () => {
    const message = slackMessage({
      title: 'Drift in 1 of 3 stacks of octo-org/infra',
      summary: 'Found by run 42',
      sections: [
        { heading: 'Drifted', items: [`\`infra/prod\` — ${slackLink('https://github.com/o/r/issues/1', '#1')}`] },
        { heading: 'Failed', items: [`\`infra/x\` — ${slackEscape('plan failed: <nil> & more')}`] },
      ],
      footer: slackLink('https://github.com/o/r/actions/runs/42', 'View the run'),
    });
    assert.equal(message.text, 'Drift in 1 of 3 stacks of octo-org/infra (Drifted: 1, Failed: 1)');
    assert.deepEqual(
      message.blocks.map((b) => b.type),
      ['header', 'section', 'section', 'section', 'context'],
    );
    assert.deepEqual(message.blocks[2], {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Drifted*\n• `infra/prod` — <https://github.com/o/r/issues/1|#1>' },
    });
    assert.match(JSON.stringify(message.blocks[3]), /plan failed: &lt;nil&gt; &amp; more/);
  });

  it("stays within Slack's limits however long the lists", () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `\`stacks/number-${i}\` — 3 resources`);
    const message = slackMessage({
      title: 'x'.repeat(400),
      summary: 'many',
      sections: [{ heading: 'Drifted', items }],
    });
    assert.ok(message.blocks.length <= 50, `${message.blocks.length} blocks`);
    for (const block of message.blocks) {
      const text = block.type === 'context' ? block.elements[0]!.text : block.text.text;
      assert.ok(text.length <= (block.type === 'header' ? 150 : 3_000), `${block.type}: ${text.length}`);
    }
    assert.match(JSON.stringify(message.blocks.at(-1)), /… and \d+ more/);
  });
});

describe('postSlackMessage', () => {
  const message = slackMessage({ title: 'Drift', summary: 'one stack', sections: [] });

  it('posts the message as JSON', async () => {
    const app = await startHttpApp({ [HOOK]: routes.ok('ok') });
    try {
      await postSlackMessage(`${app.url}${HOOK}`, message, fast);
      assert.equal(app.requests.length, 1);
      assert.equal(app.requests[0]?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(app.requests[0]?.body ?? ''), message);
    } finally {
      await app.close();
    }
  });

  it('retries server errors and rate limits, then succeeds', async () => {
    const app = await startHttpApp({
      [HOOK]: (_req, res, hit) =>
        void (hit === 1 ? res.writeHead(503).end() : hit === 2 ? res.writeHead(429).end() : res.writeHead(200).end()),
    });
    const retries: string[] = [];
    try {
      await postSlackMessage(`${app.url}${HOOK}`, message, { ...fast, onRetry: (reason) => retries.push(reason) });
      assert.equal(app.hits(HOOK), 3);
      assert.deepEqual(retries, ['the webhook answered HTTP 503', 'the webhook answered HTTP 429']);
    } finally {
      await app.close();
    }
  });

  it('does not retry a refused message, and says why without the URL', async () => {
    const app = await startHttpApp({ [HOOK]: routes.status(400, 'invalid_payload') });
    try {
      await assert.rejects(postSlackMessage(`${app.url}${HOOK}`, message, fast), (error: unknown) => {
        assert.ok(error instanceof WebhookError);
        assert.equal(error.message, 'the webhook answered HTTP 400: invalid_payload');
        return true;
      });
      assert.equal(app.hits(HOOK), 1);
    } finally {
      await app.close();
    }
  });

  it('retries when nothing answers, then fails without the URL', async () => {
    const url = `${await closedPortUrl()}${HOOK}`;
    const retries: number[] = [];
    await assert.rejects(
      postSlackMessage(url, message, { ...fast, attempts: 3, onRetry: (_, attempt) => retries.push(attempt) }),
      (error: unknown) => {
        assert.ok(error instanceof WebhookError);
        assert.match(error.message, /^no answer from the webhook \(ECONNREFUSED\)$/);
        assert.ok(!error.message.includes('s3cret'));
        return true;
      },
    );
    assert.deepEqual(retries, [1, 2]);
  });
});
