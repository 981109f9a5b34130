import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freshReadme, listActions } from '../../scripts/action-docs.ts';
import { REPO_ROOT } from '../harness/run-action.ts';

interface Manifest {
  name?: string;
  description?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description?: string; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

describe('action manifests and READMEs', async () => {
  for (const action of await listActions()) {
    it(`${action}: README reference matches action.yml (npm run docs)`, async () => {
      const { current, fresh } = await freshReadme(action);
      assert.equal(current, fresh);
    });

    it(`${action}: action.yml follows the conventions`, async () => {
      const file = path.join(REPO_ROOT, 'actions', action, 'action.yml');
      const manifest = parseYaml(await readFile(file, 'utf8')) as Manifest;
      assert.equal(manifest.runs?.using, 'node24');
      assert.equal(manifest.runs?.main, 'dist/index.js');
      assert.ok(manifest.branding?.icon && manifest.branding.color, 'branding');
      for (const [name, spec] of [
        ...Object.entries(manifest.inputs ?? {}),
        ...Object.entries(manifest.outputs ?? {}),
      ]) {
        assert.match(name, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${name} is kebab-case`);
        assert.ok(spec.description?.trim(), `${name} is described`);
      }
      assert.ok(manifest.outputs?.['failure-reason'], 'declares failure-reason');
      const token = manifest.inputs?.['github-token'];
      if (token) assert.equal(token.default, '${{ github.token }}');
    });
  }
});
