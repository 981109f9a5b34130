import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { driftOutputs, verdict, type StackReport } from './drift-detect.ts';
import { emptyCounts } from './plan-summary.ts';

function report(
  workingDirectory: string,
  status: StackReport['status'],
  extra: Partial<StackReport> = {},
): StackReport {
  return {
    location: { workingDirectory, workspace: 'default' },
    status,
    drifted: status === 'drifted' ? [{ address: 'a.b', change: 'changed', attributes: ['x'] }] : [],
    durationMs: 10,
    secrets: [],
    log: '',
    ...extra,
  };
}

const failure = (message: string) => ({ stage: 'init', message, reason: 'init-failed' });

describe('verdict', () => {
  it('passes a clean or drifted run unless asked to fail on drift', () => {
    assert.equal(verdict([report('a', 'clean'), report('b', 'drifted')], false), undefined);
    const error = verdict([report('a', 'clean'), report('b', 'drifted')], true);
    assert.deepEqual(
      [error?.reason, error?.message],
      ['drift-detected', 'Drift in 1 of 2 stacks: b (workspace default).'],
    );
    assert.equal(verdict([report('a', 'clean')], true), undefined);
  });

  it('fails failed stacks first, naming one in full and several by name', () => {
    const one = verdict(
      [
        report('a', 'errored', { failure: failure('terraform init failed: denied\n\ndetails') }),
        report('b', 'drifted'),
      ],
      true,
    );
    assert.deepEqual(
      [one?.reason, one?.message],
      ['stack-failed', 'a (workspace default) could not be checked: terraform init failed: denied'],
    );
    const two = verdict([report('a', 'errored'), report('b', 'errored'), report('c', 'clean')], false);
    assert.equal(
      two?.message,
      '2 of 3 stacks could not be checked: a (workspace default), b (workspace default). The job summary has their errors.',
    );
  });

  it('fails issues that were not updated before drift, each message once', () => {
    const denied = 'The token may not write issues in o/r (HTTP 403).';
    const error = verdict(
      [report('a', 'drifted', { issueError: denied }), report('b', 'drifted', { issueError: denied })],
      true,
    );
    assert.deepEqual([error?.reason, error?.message], ['issue-update-failed', denied]);
  });
});

describe('driftOutputs', () => {
  it('lists drifted stacks with counts and issues, and failed ones with their error', () => {
    const counts = { ...emptyCounts(), add: 1, change: 2, destroy: 0 };
    const full = {
      summary: { counts, hasChanges: true, errored: false, resources: [], drift: [], outputs: [] },
      changes: true,
      text: '',
    };
    const outputs = driftOutputs(
      {
        drifted: true,
        stacks: [
          report('a', 'drifted', {
            full,
            issue: { number: 3, url: 'https://github.com/o/r/issues/3', action: 'opened' },
          }),
          report('b', 'clean'),
          report('c', 'errored', { failure: failure('terraform init failed: denied\n\nmore') }),
        ],
      },
      'full',
    );
    assert.deepEqual(outputs, {
      drifted: true,
      'drifted-stacks': [
        {
          workingDirectory: 'a',
          workspace: 'default',
          counts: { drifted: 1, add: 1, change: 2, destroy: 0 },
          resources: ['a.b'],
          issueUrl: 'https://github.com/o/r/issues/3',
        },
      ],
      'errored-stacks': [
        {
          workingDirectory: 'c',
          workspace: 'default',
          stage: 'init',
          reason: 'init-failed',
          error: 'terraform init failed: denied',
        },
      ],
    });
  });
});
