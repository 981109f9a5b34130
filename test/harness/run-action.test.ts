import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyValueFile, parseWorkflowCommand } from './file-commands.ts';
import { HARNESS_TOKEN, runAction } from './run-action.ts';
import { replayLog } from './runner-log.ts';
import { webhookPayload } from './webhooks.ts';

const fixture = path.join(import.meta.dirname, 'fixture-action');

describe('file command parsing', () => {
  it('reads key=value and heredoc entries as the runner does', () => {
    const text = 'a=1\nmulti<<ghadelimiter_1\nx\ny=z\n\nghadelimiter_1\nb=two=2\n';
    assert.deepEqual(parseKeyValueFile(text), { a: '1', multi: 'x\ny=z\n', b: 'two=2' });
  });

  it('rejects a heredoc without its closing delimiter', () => {
    assert.throws(() => parseKeyValueFile('k<<EOF\nvalue\n'), /no closing delimiter 'EOF'/);
  });

  it('parses workflow commands with escaped properties and data', () => {
    assert.deepEqual(parseWorkflowCommand('::error file=a%3Ab.tf,line=3,title=x%2Cy::50%25 done%0Anext'), {
      command: 'error',
      properties: { file: 'a:b.tf', line: '3', title: 'x,y' },
      message: '50% done\nnext',
    });
    assert.equal(parseWorkflowCommand('plain :: text'), undefined);
  });

  it('masks a registered value only in lines after its registration', () => {
    const replay = replayLog([{ stream: 'stdout', text: 'early s3cret\n::add-mask::s3cret\nlate s3cret\n' }]);
    assert.equal(replay.log, 'early s3cret\nlate ***');
    assert.deepEqual(replay.masks, ['s3cret']);
  });

  it('replays both streams in the order they arrived, commands on stderr included', () => {
    const replay = replayLog([
      { stream: 'stderr', text: 'err before s3cret\n' },
      { stream: 'stdout', text: '::add-mask::s3cret\nout after s3cret\n' },
      { stream: 'stderr', text: 'err after s3cret\n::warning::w s3cret\n' },
    ]);
    expect(replay.log).toBe('err before s3cret\nout after ***\nerr after ***\nWarning: w ***');
    expect(replay.annotations).toEqual([{ level: 'warning', message: 'w ***', properties: {} }]);
  });

  it("masks the encodings the runner's SecretMasker adds for a registered value", () => {
    const secret = `p@ss'w"rd<&>`;
    const encodings = [
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret.slice(1)).toString('base64'),
      Buffer.from(secret.slice(2)).toString('base64'),
      JSON.stringify(secret).slice(1, -1),
      'p%40ss%27w%22rd%3C%26%3E',
      "p@ss''w\"rd<&>",
      'p@ss&apos;w&quot;rd&lt;&amp;&gt;',
    ];
    const replay = replayLog([
      { stream: 'stdout', text: `::add-mask::${secret}\n${encodings.map((e) => `[${e}]`).join('\n')}\n` },
    ]);
    expect(replay.log.split('\n')).toEqual(encodings.map(() => '[***]'));
  });

  it('shows a multi-line value masked only in the lines registered one by one', () => {
    const replay = replayLog([
      { stream: 'stdout', text: '::add-mask::line-one%0Aline-two\nline-one\n::add-mask::line-one\nline-one\n' },
    ]);
    expect(replay.log).toBe('line-one\n***');
  });
});

describe('runAction', () => {
  it('runs main and post with inputs, defaults, file commands, state and masking', async () => {
    const payload = webhookPayload('push');
    const run = await runAction('fixture', {
      actionDir: fixture,
      inputs: { greeting: 'hi there', secret: 'top-line\nsecond-line' },
      event: { name: 'push', payload },
    });
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.match(run.main.log, /greeting=hi there token=\*\*\* secret=\*\*\*/);
      assert.ok(run.main.masks.includes('top-line') && run.main.masks.includes('second-line'));
      assert.ok(!run.visibleText().includes(HARNESS_TOKEN));
      assert.equal(run.main.outputs.multi, 'line one\nline two with = and <<');
      assert.equal(run.main.outputs['event-ref'], payload.ref);
      assert.equal(run.main.state.scratch, '/tmp/scratch file');
      assert.equal(run.main.env.FIXTURE_VAR, 'exported\nacross lines');
      assert.deepEqual(run.main.path, ['/opt/fixture/bin']);
      assert.equal(run.main.summary, '## Fixture summary\n\n');
      assert.deepEqual(run.main.annotations, [
        { level: 'warning', message: 'careful', properties: { file: 'main.tf', line: '3' } },
      ]);
      assert.equal(run.post?.exitCode, 0, run.post?.log);
      assert.match(run.post?.log ?? '', /post sees state=\/tmp\/scratch file var=exported/);
      assert.match(run.post?.log ?? '', /post path starts with \/opt\/fixture\/bin/);
    } finally {
      await run.cleanup();
    }
  });

  it('turns an ActionError into one clear line, a failure-reason and a summary', async () => {
    const run = await runAction('fixture', { actionDir: fixture, inputs: { behaviour: 'action-error' } });
    await run.cleanup();
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'plan-stale');
    assert.deepEqual(
      run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message),
      ['The plan is stale: re-run the plan.'],
    );
    assert.doesNotMatch(run.main.log, /\bat .*\.ts:\d+/, 'no stack trace for a user error');
    assert.match(run.main.summary, /fixture failed:\*\* The plan is stale: re-run the plan\. \(`plan-stale`\)/);
    assert.equal(run.post?.exitCode, 0, 'post still runs after a failed main');
  });

  it('keeps the stack trace of a bug', async () => {
    const run = await runAction('fixture', { actionDir: fixture, inputs: { behaviour: 'bug' } });
    await run.cleanup();
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'internal-error');
    const error = run.main.annotations.find((a) => a.level === 'error');
    assert.match(error?.message ?? '', /unexpected error.*\nTypeError: cannot read properties of undefined\n\s+at /s);
  });

  it('refuses an input that action.yml does not declare', async () => {
    await assert.rejects(
      runAction('fixture', { actionDir: fixture, inputs: { greting: 'typo' } }),
      /input 'greting' is not declared in action.yml/,
    );
  });

  it('sets the pull request context from a real pull_request payload', async () => {
    const payload = webhookPayload('pull_request', 'opened');
    const run = await runAction('fixture', { actionDir: fixture, event: { name: 'pull_request', payload } });
    await run.cleanup();
    const pr = (payload as { pull_request: { number: number } }).pull_request;
    assert.equal(run.main.outputs['event-ref'], '');
    assert.equal(run.main.exitCode, 0);
    assert.ok(pr.number > 0);
  });
});
