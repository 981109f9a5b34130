import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { deployFailure, deployOutputs, failureAnnotations, renderDeploySummary } from './deploy-report.ts';
import { mergeRerun, parseResults, totals, unreachableHosts } from './play-results.ts';

// The JSON the iac_results plugin wrote for a play over web1 (changed), web2
// (a failed task) and db1 (unreachable).
const first = parseResults(
  JSON.stringify({
    hosts: {
      db1: { ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0, rescued: 0, ignored: 0 },
      web1: { ok: 3, changed: 2, failed: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
      web2: { ok: 1, changed: 0, failed: 1, unreachable: 0, skipped: 0, rescued: 0, ignored: 1 },
    },
    failures: [
      {
        host: 'web2',
        task: 'start app',
        kind: 'failed',
        message: 'port 8080 | in use\nsecond line',
        file: '/work/infra/site.yml',
        line: 12,
      },
      {
        host: 'db1',
        task: 'Gathering Facts',
        kind: 'unreachable',
        message: 'ssh: connect to host 10.0.0.9 port 22: timed out',
        file: '/work/infra/site.yml',
        line: null,
      },
    ],
  }),
);

describe('play results', () => {
  it('sums the hosts and lists the unreachable ones', () => {
    assert.deepEqual(totals(first), {
      ok: 4,
      changed: 2,
      failed: 1,
      unreachable: 1,
      skipped: 1,
      rescued: 0,
      ignored: 1,
    });
    assert.deepEqual(unreachableHosts(first), ['db1']);
  });

  it('takes a rerun host’s stats and failures from the rerun', () => {
    const rerun = parseResults(
      JSON.stringify({
        hosts: { db1: { ok: 2, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 } },
        failures: [],
      }),
    );
    const merged = mergeRerun(first, rerun);
    assert.deepEqual(merged.hosts.db1, {
      ok: 2,
      changed: 1,
      failed: 0,
      unreachable: 0,
      skipped: 0,
      rescued: 0,
      ignored: 0,
    });
    assert.deepEqual(
      merged.failures.map((f) => f.host),
      ['web2'],
    );
    assert.deepEqual(unreachableHosts(merged), []);
  });

  it('gives outputs, annotations on the task’s line, a summary table and the step’s failure', () => {
    assert.deepEqual(deployOutputs(first), {
      ok: 4,
      changed: 2,
      failed: 1,
      unreachable: 1,
      hosts: JSON.stringify(first.hosts),
      'changed-hosts': 'web1',
    });
    assert.deepEqual(failureAnnotations(first, '/work/infra')[0], {
      message: 'port 8080 | in use\nsecond line',
      properties: { title: 'web2: start app (failed)', file: 'site.yml', startLine: 12 },
    });
    const summary = renderDeploySummary(first, { playbook: 'site.yml', check: false, runs: 2 });
    assert.match(summary, /^### ❌ ansible-deploy: `site.yml` on 3 hosts/);
    assert.match(summary, /2 of 3 hosts did not finish: 1 failed, 1 unreachable\./);
    assert.match(summary, /The playbook ran 2 times/);
    assert.ok(summary.includes('| web1 | 3 | 2 | 0 | 0 | 1 | 0 | 0 |'));
    assert.ok(summary.includes('| web2 | start app | failed | port 8080 \\| in use<br>second line |'));
    const failure = deployFailure(first);
    assert.equal(failure?.reason, 'hosts-failed');
    assert.equal(failure?.message, 'The playbook did not finish on 2 hosts: db1 unreachable, web2 failed.');
  });

  it('says nothing failed when every host finished', () => {
    const clean = mergeRerun(
      first,
      parseResults(
        JSON.stringify({
          hosts: {
            db1: { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
            web2: { ok: 2, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
          },
          failures: [],
        }),
      ),
    );
    assert.equal(deployFailure(clean), undefined);
    assert.match(
      renderDeploySummary(clean, { playbook: 'site.yml', check: true, runs: 1 }),
      /^### ✅ .*\(check mode: nothing was changed\)\n\nEvery host finished; 2 changes\./,
    );
  });
});
