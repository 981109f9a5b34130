import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { REPO_ROOT } from '../harness/run-action.ts';
import { routes, startHttpApp, type HttpApp } from '../services/http-app.ts';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// End to end: a caller workflow calls a reusable workflow, which runs the
// suite's smoke-test action from its committed bundle — referenced both ways
// users write it: `<owner>/<repo>/actions/smoke-test@v1` and
// `<owner>/<repo>/smoke-test@v1` ("{owner}/{repo}/{path}@{ref}: a subdirectory
// in a public GitHub repository at a specific branch, ref, or SHA"; the
// runner downloads the repository and runs `runs.main` relative to the
// action's directory) — against a real HTTP server on loopback.

let world: WorkflowWorld | undefined;
let app: HttpApp | undefined;
let tempSuite: string | undefined;
afterEach(async () => {
  await world?.close();
  await app?.close();
  if (tempSuite) await rm(tempSuite, { recursive: true, force: true });
  world = app = tempSuite = undefined;
});

/**
 * The suite as a repository: this one, when its root-level `smoke-test/`
 * action exists; else a copy of the action and a root-level action.yml whose
 * runs.main reaches into actions/smoke-test/dist, as the suite's build makes it.
 */
async function suiteDirectory(): Promise<string> {
  if (existsSync(path.join(REPO_ROOT, 'smoke-test', 'action.yml'))) return REPO_ROOT;
  tempSuite = await mkdtemp(path.join(tmpdir(), 'suite-'));
  const action = path.join(tempSuite, 'actions', 'smoke-test');
  await mkdir(action, { recursive: true });
  await cp(path.join(REPO_ROOT, 'actions', 'smoke-test', 'action.yml'), path.join(action, 'action.yml'));
  await cp(path.join(REPO_ROOT, 'actions', 'smoke-test', 'dist'), path.join(action, 'dist'), { recursive: true });
  const manifest = parseYaml(await readFile(path.join(action, 'action.yml'), 'utf8')) as { runs: { main: string } };
  manifest.runs.main = `../actions/smoke-test/${manifest.runs.main}`;
  await mkdir(path.join(tempSuite, 'smoke-test'));
  await writeFile(path.join(tempSuite, 'smoke-test', 'action.yml'), stringifyYaml(manifest));
  return tempSuite;
}

test("caller → reusable workflow → the suite's smoke-test bundle, in both reference forms", async () => {
  app = await startHttpApp({ '/health': routes.ok('healthy v1.4.2') });
  world = await workflowWorld(
    {
      '.github/workflows/smoke.yml': `
on:
  workflow_call:
    inputs:
      base-url: { type: string, required: true }
    outputs:
      long-form: { value: "\${{ jobs.probe.outputs.long-form }}" }
      short-form: { value: "\${{ jobs.probe.outputs.short-form }}" }
jobs:
  probe:
    runs-on: ubuntu-latest
    outputs:
      long-form: \${{ steps.long.outputs.passed }}
      short-form: \${{ steps.short.outputs.passed }}
    steps:
      - id: long
        uses: acme/iac-actions/actions/smoke-test@v1
        with:
          urls: \${{ inputs.base-url }}/health
          expect-body: 'healthy v\\d+'
          max-attempts: '2'
          retry-delay: 100ms
      - id: short
        uses: acme/iac-actions/smoke-test@v1
        with:
          urls: \${{ inputs.base-url }}/health
          expect-body: 'healthy v\\d+'
          max-attempts: '2'
          retry-delay: 100ms
`,
      '.github/workflows/deploy.yml': `
name: Deploy
on: push
jobs:
  smoke:
    uses: ./.github/workflows/smoke.yml
    with:
      base-url: ${app.url}
  report:
    needs: smoke
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.smoke.outputs.long-form }} \${{ needs.smoke.outputs.short-form }}"
`,
    },
    { repositories: { 'acme/iac-actions': await suiteDirectory() } },
  );
  const report = await world.run('.github/workflows/deploy.yml');
  expect(report.conclusion).toBe('success');
  const probe = report.job('smoke/probe');
  expect(probe.name).toBe('smoke / probe');
  expect(probe.steps.map((s) => [s.uses, s.conclusion, s.outputs.passed])).toEqual([
    ['acme/iac-actions/actions/smoke-test@v1', 'success', 'true'],
    ['acme/iac-actions/smoke-test@v1', 'success', 'true'],
  ]);
  expect(probe.steps[0]!.summary).toContain('/health');
  expect(report.job('report').steps[0]!.log).toBe('true true');
  expect(app.hits('/health')).toBe(2);
});
