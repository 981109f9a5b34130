import assert from 'node:assert/strict';
import { test } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import { downloadPlanBundle, planArtifactName } from './plan-artifact.ts';

// Characters GitHub refuses in an artifact name.
const FORBIDDEN = /[":<>|*?\r\n\\/]/;

test('a plan artifact name is stable and the same for every spelling of one directory', () => {
  const name = planArtifactName({ workingDirectory: 'infra/prod', workspace: 'default' });
  assert.match(name, /^tfplan-infra-prod-[0-9a-f]{8}-default$/);
  for (const spelling of ['./infra/prod', 'infra/prod/', './infra//prod/', 'infra\\prod', ' infra/prod ']) {
    assert.equal(planArtifactName({ workingDirectory: spelling, workspace: 'default' }), name, spelling);
  }
  assert.equal(planArtifactName({ workingDirectory: 'infra/prod' }), name, 'the workspace defaults to default');
});

test('the repository root, a workspace and a label appear in the name', () => {
  assert.match(planArtifactName({ workingDirectory: '.' }), /^tfplan-root-[0-9a-f]{8}-default$/);
  assert.equal(planArtifactName({ workingDirectory: '' }), planArtifactName({ workingDirectory: './' }));
  assert.match(
    planArtifactName({ workingDirectory: 'stacks/network', workspace: 'staging', label: 'destroy' }),
    /^tfplan-stacks-network-[0-9a-f]{8}-staging-destroy$/,
  );
});

test('directories a slug would confuse get different names', () => {
  const names = ['infra/a-b', 'infra/a/b', 'infra/a_b', 'infra/a:b', 'Infra/a/b'].map((workingDirectory) =>
    planArtifactName({ workingDirectory }),
  );
  assert.equal(new Set(names).size, names.length, names.join('\n'));
});

test('characters GitHub forbids never reach the name, and long parts are cut', () => {
  const name = planArtifactName({
    workingDirectory: 'envs/"prod"<eu>|*?\\west/' + 'very-long-directory-name/'.repeat(10),
    workspace: 'team:a/b',
    label: 'matrix\r\nleg',
  });
  assert.doesNotMatch(name, FORBIDDEN);
  assert.match(name, /^tfplan-envs-_prod_eu_-west-very-long-directory-[0-9a-f]{8}-team_a-b-matrix_leg$/);
  assert.ok(name.length <= 120, `${name.length} characters`);
});

test('another run is named by owner/name', async () => {
  await assert.rejects(
    downloadPlanBundle({ name: 'tfplan', destination: '/nonexistent', runId: 1, repository: 'infra', token: 't' }),
    (error: unknown) =>
      error instanceof ActionError &&
      error.reason === 'invalid-input' &&
      error.message === "The repository 'infra' is not 'owner/name'.",
  );
});
