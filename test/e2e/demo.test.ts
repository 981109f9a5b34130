import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPipeline, type PipelineResult, type PipelineStep, type StepName } from '../../examples/pipeline.ts';
import { recordPlan, RECORDED_PLAN } from '../../examples/record-plan.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from './real-terraform.ts';

// `npm run demo`'s pipeline (examples/pipeline.ts) on the embedded example:
// tf-plan, docker-publish, ansible-deploy and smoke-test, each the committed
// bundle, against a real Docker engine, registry and sshd. With a real
// terraform on PATH it runs twice: with it, and with the CLI double and the
// recorded plan, as on machines without one.

const modes = REAL_TERRAFORM ? (['auto', 'double'] as const) : (['auto'] as const);

for (const mode of modes) {
  describe(`the demo pipeline (${mode === 'auto' && REAL_TERRAFORM ? REAL_TERRAFORM.tool : 'CLI double'})`, () => {
    let out: string;
    let result: PipelineResult;
    before(async () => {
      out = await mkdtemp(path.join(tmpdir(), 'demo-out-'));
      result = await runPipeline({ out, terraform: mode });
    });
    after(() => rm(out, { recursive: true, force: true }));

    const step = (name: StepName): PipelineStep => {
      const found = result.steps.find((s) => s.name === name);
      assert.ok(found, `no step ${name}`);
      return found;
    };
    const outputs = (name: StepName) => step(name).main?.outputs ?? {};

    it('runs every step, in order, and each succeeds', () => {
      for (const s of result.steps) assert.equal(s.status, 'succeeded', `${s.name}:\n${s.main?.log ?? ''}`);
      assert.deepEqual(
        result.steps.map((s) => s.name),
        ['tf-plan', 'docker-publish', 'ansible-deploy', 'smoke-test'],
      );
      assert.equal(result.ok, true);
      assert.match(result.terraform, mode === 'double' || !REAL_TERRAFORM ? /CLI double/ : /from PATH/);
    });

    it('deploys the pushed digest: pulled from the registry, the container runs it', () => {
      const published = outputs('docker-publish');
      assert.match(published.digest ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.match(published['image-refs'] ?? '', /^127\.0\.0\.1:\d+\/example\/app@sha256:[0-9a-f]{64}$/);
      assert.equal(published.version, '1.0.0');
      assert.deepEqual(result.container, {
        image: published['image-refs'],
        imageId: published['image-id'],
        running: true,
      });
      // The demo removed the built image from the engine, so the deploy had to pull it.
      const deploy = step('ansible-deploy').main!;
      assert.match(deploy.log, /TASK \[Pull the image by digest\][^\n]*\n[^\n]*\n?[^\n]*changed: \[127\.0\.0\.1\]/);
      // The one host came from the stack's `hosts` output.
      assert.equal(outputs('ansible-deploy')['changed-hosts'], '127.0.0.1');
      assert.deepEqual(JSON.parse(result.stackOutputs ?? '{}').hosts.value, { app: ['127.0.0.1'] });
    });

    it('passes the smoke test against the container', () => {
      const smoke = outputs('smoke-test');
      assert.equal(smoke.passed, 'true');
      const results = JSON.parse(smoke.results ?? '[]') as { url: string; ok: boolean; status: number }[];
      assert.deepEqual(
        results.map((r) => [r.url, r.ok, r.status]),
        ['/', '/health', '/version.json'].map((p) => [`${result.appUrl}${p}`, true, 200]),
      );
    });

    it('comments the plan of the example stack on the pull request', () => {
      const comment = result.prComment ?? '';
      assert.match(comment, /### Terraform plan for `examples\/infra` · workspace `default`/);
      assert.match(comment, /\*\*Plan: 2 to add, 0 to change, 0 to destroy, 1 output change\.\*\*/);
      assert.ok(comment.includes('`terraform_data.app_host[0]`'));
      assert.ok(comment.includes('`terraform_data.network`'));
      assert.deepEqual([outputs('tf-plan').changes, outputs('tf-plan')['to-add']], ['true', '2']);
      assert.match(outputs('tf-plan')['comment-url'] ?? '', /\/octo-org\/infra\/pull\/\d+#issuecomment-\d+$/);
    });

    it('writes each job summary and the PR comment as Markdown', async () => {
      assert.deepEqual(
        result.files.map((f) => path.relative(out, f)),
        [
          'tf-plan.summary.md',
          'tf-plan.pr-comment.md',
          'docker-publish.summary.md',
          'ansible-deploy.summary.md',
          'smoke-test.summary.md',
        ],
      );
      const read = (name: string) => readFile(path.join(out, name), 'utf8');
      assert.equal(await read('tf-plan.pr-comment.md'), result.prComment);
      assert.match(await read('tf-plan.summary.md'), /Terraform plan for `examples\/infra`/);
      assert.ok((await read('docker-publish.summary.md')).includes(outputs('docker-publish').digest ?? '-'));
      assert.match(
        await read('ansible-deploy.summary.md'),
        /✅ ansible-deploy: `examples\/ansible\/deploy\.yml` on 1 host/,
      );
      assert.match(await read('smoke-test.summary.md'), /Smoke test passed: 3 of 3 URLs healthy/);
    });

    it('never shows the registry password', () => {
      const password = result.registryUser?.password ?? '';
      assert.ok(password.length > 10);
      for (const s of result.steps) assert.ok(!s.visibleText?.includes(password), s.name);
    });
  });
}

describe('the recorded plan of the CLI double', { skip: skipWithoutRealTerraform }, () => {
  it('is the plan of examples/infra as it is now (else: node examples/record-plan.ts)', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'recorded-plan-'));
    try {
      await recordPlan(REAL_TERRAFORM!, fresh);
      const gist = async (dir: string) => {
        const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as {
          resource_changes: { address: string; change: { actions: string[]; after: unknown } }[];
          output_changes: Record<string, unknown>;
        };
        const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
          values: { outputs: Record<string, { value: unknown }> };
        };
        return {
          changes: plan.resource_changes.map((r) => [r.address, r.change.actions, r.change.after]),
          outputChanges: plan.output_changes,
          outputs: state.values.outputs,
          text: await readFile(path.join(dir, 'plan'), 'utf8'),
        };
      };
      assert.deepEqual(await gist(RECORDED_PLAN), await gist(fresh));
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
