import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type PipelineResult, type PipelineStep, type StepName } from '../../examples/pipeline.ts';
import { recordPlan, RECORDED_PLAN } from '../../examples/record-plan.ts';
import { REAL_TERRAFORM } from './real-terraform.ts';

// `npm run demo`'s pipeline (examples/pipeline.ts) on the embedded example:
// tf-plan, docker-publish, ansible-deploy and smoke-test, each the committed
// bundle, against a real Docker engine, registry and sshd. With a real
// terraform on PATH it runs twice: with it, and with the CLI double and the
// recorded plan, as on machines without one. The page the demo ends with
// (index.html) is opened in Debian's headless Chromium, with no network.

const modes = REAL_TERRAFORM ? (['auto', 'double'] as const) : (['auto'] as const);

for (const mode of modes) {
  describe(`the demo pipeline (${mode === 'auto' && REAL_TERRAFORM ? REAL_TERRAFORM.tool : 'CLI double'})`, () => {
    let out: string;
    let result: PipelineResult;
    beforeAll(async () => {
      out = await mkdtemp(path.join(tmpdir(), 'demo-out-'));
      result = await runPipeline({ out, terraform: mode });
    });
    afterAll(() => rm(out, { recursive: true, force: true }));

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

    it('never shows the registry password', async () => {
      const password = result.registryUser?.password ?? '';
      assert.ok(password.length > 10);
      for (const s of result.steps) assert.ok(!s.visibleText?.includes(password), s.name);
      expect(await readFile(path.join(out, 'index.html'), 'utf8')).not.toContain(password);
    });

    describe('the page it ends with, in Chromium', () => {
      let browser: Browser | undefined;
      let page: Page;
      /** Every request the page made, and those to anything but a file. */
      const requests: string[] = [];
      const blocked: string[] = [];
      const problems: string[] = [];
      beforeAll(async () => {
        browser = await launchChromium();
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file:')) return route.continue();
          blocked.push(url);
          return route.abort();
        });
        page = await context.newPage();
        page.on('request', (request) => requests.push(request.url()));
        // A blocked load (the page's Content-Security-Policy refuses any) shows as a console error.
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(pathToFileURL(result.page ?? path.join(out, 'index.html')).href, { waitUntil: 'load' });
      });
      afterAll(() => browser?.close());

      /** A heading's text as GitHub shows it: the Markdown without its code spans' backticks. */
      const firstHeading = (markdown: string) => {
        const heading = /^#{1,6}\s+(.+?)\s*$/m.exec(markdown)?.[1];
        expect(heading, `no heading in:\n${markdown}`).toBeDefined();
        return heading!.replace(/`/g, '');
      };
      const block = (step: StepName, id: string) => page.locator(`[data-section="${step}"] [data-block="${id}"]`);
      const renderedHeading = (step: StepName, id: string) =>
        block(step, id).locator('.rendered').locator('h1, h2, h3, h4, h5, h6').first();

      it("is written beside the Markdown, with GitHub's stylesheet inlined", async () => {
        expect(result.page).toBe(path.join(out, 'index.html'));
        // A string: the test is compiled without the DOM's types.
        const fgColor = await page.evaluate<string>(
          "getComputedStyle(document.body).getPropertyValue('--fgColor-default').trim()",
        );
        expect(fgColor).toMatch(/^#[0-9a-f]{6}$/i);
      });

      it("shows the plan comment's headline in the first screen", async () => {
        const headline = renderedHeading('tf-plan', 'pr-comment');
        expect((await headline.textContent())?.trim()).toBe(firstHeading(result.prComment ?? ''));
        expect(await headline.isVisible()).toBe(true);
        const box = await headline.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.y + box!.height).toBeLessThanOrEqual(800);
        expect(await block('tf-plan', 'pr-comment').locator('table').first().isVisible()).toBe(true);
      });

      it("shows the comment's collapsible sections closed, and each opens to its content", async () => {
        const summaries = [...(result.prComment ?? '').matchAll(/<details><summary>(.*?)<\/summary>/g)].map(
          (m) => m[1],
        );
        expect(summaries.length).toBeGreaterThanOrEqual(3);
        const details = block('tf-plan', 'pr-comment').locator('.rendered details');
        expect(await details.count()).toBe(summaries.length);
        for (const [i, text] of summaries.entries()) {
          const section = details.nth(i);
          const summary = section.locator(':scope > summary');
          const content = section.locator(':scope > :not(summary)').first();
          expect((await summary.textContent())?.trim()).toBe(text);
          expect(await summary.isVisible()).toBe(true);
          expect(await content.isVisible()).toBe(false);
          await summary.click();
          expect(await section.getAttribute('open')).not.toBeNull();
          expect(await content.isVisible()).toBe(true);
        }
        // The first lists the created resources.
        expect(await details.first().locator('li code', { hasText: 'terraform_data.network' }).isVisible()).toBe(true);
      });

      it("shows each step's job summary by its heading, its status and its outputs", async () => {
        for (const s of result.steps) {
          const heading = renderedHeading(s.name, 'job-summary');
          expect((await heading.textContent())?.trim(), s.name).toBe(firstHeading(s.main?.summary ?? ''));
          expect(await heading.isVisible(), s.name).toBe(true);
          const section = page.locator(`[data-section="${s.name}"]`);
          expect(await section.getAttribute('data-status')).toBe('succeeded');
          expect(await section.locator('h2 .status').textContent()).toContain('succeeded');
          const rows = block(s.name, 'outputs').locator('table.outputs tbody tr');
          expect(await rows.count(), s.name).toBe(Object.keys(s.main?.outputs ?? {}).length);
        }
        // Values are shown as text, whole: a JSON document with quotes and brackets.
        const results = block('smoke-test', 'outputs').locator('tr', {
          has: page.locator('code', { hasText: /^results$/ }),
        });
        expect(await results.locator('pre.value').textContent()).toBe(outputs('smoke-test').results);
      });

      it('takes a screenshot', async () => {
        const png = await page.screenshot();
        expect(png.length).toBeGreaterThan(10_000);
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        await writeFile(path.join(out, 'index.png'), png);
      });

      it('requested nothing from the network', () => {
        expect(blocked).toEqual([]);
        expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
        expect(problems).toEqual([]);
      });
    });
  });
}

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with nothing of its own reaching for the network. */
async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Only where a real terraform or tofu is installed (REQUIRE_REAL_TERRAFORM=1 makes its absence a failure).
describe.skipIf(!REAL_TERRAFORM)('the recorded plan of the CLI double', () => {
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
