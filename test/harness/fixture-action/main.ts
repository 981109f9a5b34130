// Runs straight from source (Node 24 strips types), so the harness can be
// tested without a bundle.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { ActionError } from '@iac-actions/shared/action/action-error.ts';
import { readSecret, readString } from '@iac-actions/shared/action/inputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { appendSummary } from '@iac-actions/shared/action/summary.ts';

await run({
  name: 'fixture',
  main: async () => {
    const secret = readSecret('secret');
    core.info(`greeting=${readString('greeting')} token=${readString('github-token')} secret=${secret}`);
    const event = JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH!, 'utf8')) as { ref?: string };
    core.setOutput('multi', `line one\nline two with = and <<`);
    core.setOutput('event-ref', event.ref ?? '');
    core.saveState('scratch', '/tmp/scratch file');
    core.exportVariable('FIXTURE_VAR', 'exported\nacross lines');
    core.addPath('/opt/fixture/bin');
    core.warning('careful', { file: 'main.tf', startLine: 3 });
    await appendSummary('## Fixture summary\n');
    const behaviour = readString('behaviour');
    if (behaviour === 'action-error') throw new ActionError('The plan is stale: re-run the plan.', 'plan-stale');
    if (behaviour === 'bug') throw new TypeError('cannot read properties of undefined');
  },
  post: async () => {
    core.info(`post sees state=${core.getState('scratch')} var=${process.env.FIXTURE_VAR?.split('\n')[0]}`);
    core.info(`post path starts with ${process.env.PATH?.split(':')[0]}`);
  },
});
