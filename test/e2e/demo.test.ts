import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRIFTED_ENVIRONMENT,
  jobSectionId,
  jobSummary,
  PAGE,
  PROD_REVIEWER,
  runLifecycle,
  type LifecycleResult,
  type LifecycleRun,
  type RunName,
} from '../../examples/lifecycle.ts';
import type { JobReport, RunReport } from '../workflow-runner/index.ts';
import { REAL_TERRAFORM } from './real-terraform.ts';

// `npm run demo`'s lifecycle (examples/lifecycle.ts) on the reference
// repository, through the workflow tier, with a real terraform, PostgreSQL, a
// Docker engine, a registry and an SSH host: what a user sees of it — the
// runs' conclusions, the applies in order with prod's approval, one image
// promoted by digest, the drift issue, the streamed log, the Markdown files —
// and the page it ends with, opened in Debian's headless Chromium with no
// network.

if (!REAL_TERRAFORM) throw new Error('the demo needs a real terraform or tofu on PATH');

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

describe('the demo: the lifecycle of the reference repository', () => {
  let out: string;
  let result: LifecycleResult;
  /** What the demo printed, one entry a line. */
  const printed: string[] = [];
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'demo-out-'));
    result = await runLifecycle({ out, log: (text) => printed.push(text) });
  });
  afterAll(() => (out ? rm(out, { recursive: true, force: true }) : undefined));

  const transcript = () => printed.join('\n');
  const lifecycleRun = (name: RunName): LifecycleRun => result.runs.find((r) => r.name === name)!;
  const report = (name: RunName): RunReport => {
    const found = lifecycleRun(name).report;
    assert.ok(found, `run ${name} did not run: ${result.error ?? ''}\n${transcript().slice(-4000)}`);
    return found;
  };
  /** The jobs of a run that ran on a runner (not the calls), in the order they started. */
  const legs = (name: RunName, id: string): JobReport[] =>
    report(name)
      .jobs.filter((j) => j.id === id && !j.calls && j.conclusion !== 'skipped')
      .sort((a, b) => (a.startedSeq ?? 0) - (b.startedSeq ?? 0));
  const failures = (r: RunReport) =>
    r.jobs
      .flatMap((j) => j.steps.filter((s) => s.conclusion === 'failure').map((s) => `${j.name} / ${s.name}:\n${s.log}`))
      .join('\n\n');

  it('runs the four runs of the lifecycle, and each succeeds', () => {
    assert.deepEqual(
      result.runs.map((r) => r.title),
      ['terraform (pull_request)', 'terraform (push)', 'deploy (push)', 'drift (schedule)'],
    );
    for (const run of result.runs) {
      const r = report(run.name);
      assert.equal(r.conclusion, 'success', `${run.title}: ${r.errors.join('\n')}\n${failures(r)}`);
    }
    assert.equal(result.ok, true, result.error);
  });

  it('plans the three environments on the pull request, one comment each', () => {
    // Side by side: the order they started in is not fixed.
    assert.deepEqual(
      legs('plan', 'plan')
        .map((j) => j.name)
        .sort(),
      ['dev', 'prod', 'staging'].map((env) => `terraform / plan ${env} infra/environments/${env}`),
    );
    assert.deepEqual(
      result.comments.map((c) => [c.environment, c.stack]),
      ENVIRONMENTS.map((env) => [env, `infra/environments/${env}`]),
    );
    for (const c of result.comments) assert.match(c.body, /### Terraform plan for `infra\/environments\/\w+`/);
    assert.deepEqual(legs('apply', 'plan'), [], 'no plan job ran on main');
  });

  it('applies dev, then staging, then prod, prod once alice approved', () => {
    const applies = legs('apply', 'apply');
    assert.deepEqual(
      applies.map((j) => j.environment?.name),
      ['dev', 'staging', 'prod'],
    );
    for (const [i, job] of applies.entries()) {
      const previous = applies[i - 1];
      if (previous)
        assert.ok(previous.completedSeq! < job.startedSeq!, `${job.name} started before ${previous.name} ended`);
    }
    for (const job of applies) assert.equal(job.conclusion, 'success', job.name);
    const [dev, staging, prod] = applies;
    assert.deepEqual([dev!.approvals, staging!.approvals], [[], []]);
    assert.deepEqual(
      prod!.approvals.map((a) => [a.environment, a.state, a.by]),
      [['prod', 'approved', PROD_REVIEWER]],
    );
    assert.ok(prod!.approvals[0]!.requestedSeq > staging!.completedSeq!, 'prod asked for its review after staging');
    assert.match(
      transcript(),
      /-- terraform \/ apply prod infra\/environments\/prod waits for a review of environment prod \(required reviewers: alice, carol\): alice approves prod/,
    );
    // The plans reviewed on the pull request were applied: each comment is marked so, with a link to the run.
    for (const c of result.comments) {
      assert.equal(c.status, 'applied', c.environment);
      assert.ok(c.body.includes(`/actions/runs/${report('apply').id}`), `${c.environment}: no link to the run`);
    }
    const outputs = JSON.parse(report('apply').job('terraform').outputs.outputs ?? '{}') as Record<
      string,
      Record<string, { value: unknown }>
    >;
    assert.deepEqual(Object.keys(outputs), [...ENVIRONMENTS]);
    assert.deepEqual(outputs.prod?.hosts?.value, { app: ['127.0.0.1'] });
  });

  it('builds the image once and deploys the same digest to dev, staging and prod, which answer', () => {
    const deploy = report('deploy');
    const publishes = deploy.jobs.filter((j) => j.steps.some((s) => s.uses?.includes('docker-publish')));
    assert.deepEqual(
      publishes.filter((j) => j.conclusion !== 'skipped').map((j) => j.name),
      ['dev / publish'],
    );
    const refs = ENVIRONMENTS.map((env) => deploy.job(env).outputs['image-ref']);
    assert.match(refs[0] ?? '', /^127\.0\.0\.1:\d+\/example\/app@sha256:[0-9a-f]{64}$/);
    assert.deepEqual(refs, [refs[0], refs[0], refs[0]]);
    const deploys = legs('deploy', 'deploy');
    assert.deepEqual(
      deploys.map((j) => j.environment?.name),
      ['dev', 'staging', 'prod'],
    );
    assert.deepEqual(
      deploys.find((j) => j.environment?.name === 'prod')!.approvals.map((a) => [a.state, a.by]),
      [['approved', PROD_REVIEWER]],
    );
    // Each environment's smoke test: staging's and dev's in deploy.yml (smoke-test-urls), prod's in the caller.
    for (const job of ['dev/smoke', 'staging/smoke', 'prod-smoke'])
      assert.equal(deploy.job(job).conclusion, 'success', job);
    for (const env of ENVIRONMENTS) {
      assert.match(result.apps[env] ?? '', /^200 .*"version":"1\.1\.0"/, env);
    }
  });

  it('opens one drift issue, for the stack changed outside the pipeline', () => {
    const outputs = report('drift').job('drift').outputs;
    assert.match(transcript(), /-- drift introduced: someone applied infra\/environments\/staging from a laptop/);
    assert.equal(result.driftIssues.length, 1, JSON.stringify(result.driftIssues.map((i) => i.title)));
    const [issue] = result.driftIssues;
    assert.equal(issue!.state, 'open');
    assert.ok(issue!.title.includes(`infra/environments/${DRIFTED_ENVIRONMENT}`), issue!.title);
    assert.ok(issue!.labels.includes('drift'));
    assert.equal(outputs.drifted, 'true');
    const drifted = JSON.parse(outputs['drifted-stacks'] ?? '{}') as Record<string, { workingDirectory: string }[]>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(drifted).map(([env, stacks]) => [env, stacks.map((s) => s.workingDirectory)])),
      { dev: [], staging: ['infra/environments/staging'], prod: [] },
    );
  });

  it("streams each step's log under a header naming the run, the job and the step", () => {
    const lines = transcript().split('\n');
    for (const header of [
      '== terraform (pull_request) / plan dev infra/environments/dev / tf-plan',
      '== terraform (push) / apply prod infra/environments/prod / tf-apply',
      '== deploy (push) / dev / publish / docker-publish',
      '== deploy (push) / prod / deploy prod / ansible-deploy',
      '== drift (schedule) / drift staging / drift-detect',
    ]) {
      const at = lines.indexOf(header);
      assert.ok(at >= 0, `no header ${header}`);
      assert.match(lines[at + 1] ?? '', /^ {2}│ /, `no log line under ${header}`);
    }
    // Between the runs, one line each: the approval, the merge, the change outside the pipeline.
    const notes = lines.filter((l) => l.startsWith('-- '));
    assert.ok(notes.some((l) => /^-- bob approves pull request #\d+/.test(l)));
    assert.ok(notes.some((l) => /^-- dana merges pull request #\d+ into main/.test(l)));
    assert.ok(notes.some((l) => l.startsWith('-- drift introduced: ')));
    assert.match(transcript(), /The lifecycle succeeded in \d+\.\d s\./);
  });

  it('writes each job summary, the pull request comments and the drift issue as Markdown', async () => {
    const read = (file: string) => readFile(path.join(out, file), 'utf8');
    for (const c of result.comments) assert.equal(await read(c.file), `${c.body}\n`.replace(/\n\n$/, '\n'));
    for (const issue of result.driftIssues) assert.ok((await read(issue.file)).startsWith(`# ${issue.title}\n`));
    const apply = lifecycleRun('apply');
    const prod = legs('apply', 'apply')[2]!;
    const summary = jobSummary(prod);
    assert.equal(
      await read(`${apply.dir}/apply-prod-infra-environments-prod.summary.md`),
      summary.endsWith('\n') ? summary : `${summary}\n`,
    );
    assert.ok(result.files.includes(`${apply.dir}/apply-prod-infra-environments-prod.summary.md`));
    assert.ok(result.files.length >= 15, result.files.join('\n'));
  });

  it('shows no secret of the world: not in the log, the page, the Markdown files or the runs', async () => {
    assert.ok(result.secrets.length >= 8);
    const page = await readFile(path.join(out, PAGE), 'utf8');
    const files = await Promise.all(result.files.map((f) => readFile(path.join(out, f), 'utf8')));
    const runs = result.runs.flatMap((r) =>
      (r.report?.jobs ?? []).flatMap((j) => [
        JSON.stringify(j.outputs),
        ...j.steps.flatMap((s) => [s.log, s.summary, JSON.stringify(s.outputs)]),
      ]),
    );
    const channels = { log: transcript(), page, files: files.join('\n'), runs: runs.join('\n') };
    for (const secret of result.secrets) {
      for (const [channel, text] of Object.entries(channels)) {
        for (const form of [secret, Buffer.from(secret).toString('base64')]) {
          assert.ok(!text.includes(form), `a secret (${secret.slice(0, 4)}…) in the ${channel}`);
        }
      }
    }
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
      await page.goto(pathToFileURL(result.page ?? path.join(out, PAGE)).href, { waitUntil: 'load' });
    });
    afterAll(() => browser?.close());

    /** A heading's text as GitHub shows it: the Markdown without its code spans' backticks. */
    const firstHeading = (markdown: string) => {
      const heading = /^#{1,6}\s+(.+?)\s*$/m.exec(markdown)?.[1];
      expect(heading, `no heading in:\n${markdown}`).toBeDefined();
      return heading!.replace(/`/g, '');
    };
    const section = (id: string) => page.locator(`[data-section="${id}"]`);
    const block = (sectionId: string, id: string) =>
      page.locator(`[data-section="${sectionId}"] > [data-block="${id}"]`);
    const renderedHeading = (sectionId: string, id: string) =>
      block(sectionId, id).locator('.rendered').locator('h1, h2, h3, h4, h5, h6').first();
    const planRun = () => lifecycleRun('plan').dir;

    it("is written beside the Markdown, with GitHub's stylesheet inlined", async () => {
      expect(result.page).toBe(path.join(out, PAGE));
      // A string: the test is compiled without the DOM's types.
      const fgColor = await page.evaluate<string>(
        "getComputedStyle(document.body).getPropertyValue('--fgColor-default').trim()",
      );
      expect(fgColor).toMatch(/^#[0-9a-f]{6}$/i);
    });

    it("shows the first plan comment's headline in the first screen", async () => {
      const comment = result.comments[0]!;
      const headline = renderedHeading(planRun(), 'pr-comment-dev');
      expect((await headline.textContent())?.trim()).toBe(firstHeading(comment.body));
      expect(await headline.isVisible()).toBe(true);
      const box = await headline.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(800);
    });

    it("shows the comment's collapsible sections closed, and each opens to its content", async () => {
      const comment = result.comments[0]!;
      const summaries = [...comment.body.matchAll(/<details><summary>(.*?)<\/summary>/g)].map((m) => m[1]);
      expect(summaries.length).toBeGreaterThanOrEqual(2);
      const details = block(planRun(), 'pr-comment-dev').locator('.rendered details');
      expect(await details.count()).toBe(summaries.length);
      for (const [i, text] of summaries.entries()) {
        const item = details.nth(i);
        const summary = item.locator(':scope > summary');
        const content = item.locator(':scope > :not(summary)').first();
        expect((await summary.textContent())?.trim()).toBe(text);
        expect(await summary.isVisible()).toBe(true);
        expect(await content.isVisible()).toBe(false);
        await summary.click();
        expect(await item.getAttribute('open')).not.toBeNull();
        expect(await content.isVisible()).toBe(true);
      }
    });

    it('shows a section per run and per job, each with its status, its job summary and its outputs', async () => {
      for (const run of result.runs) {
        expect(await section(run.dir).getAttribute('data-status'), run.title).toBe('succeeded');
        for (const job of run.report!.jobs) {
          const id = jobSectionId(run, job);
          const jobSection = section(id);
          expect(await jobSection.count(), id).toBe(1);
          const status = { success: 'succeeded', skipped: 'skipped', failure: 'failed', cancelled: 'cancelled' }[
            job.conclusion
          ];
          expect(await jobSection.getAttribute('data-status'), id).toBe(status);
          const summary = jobSummary(job);
          if (summary.trim()) {
            const heading = renderedHeading(id, 'job-summary');
            if (/^#{1,6}\s/m.test(summary)) {
              expect((await heading.textContent())?.trim(), id).toBe(firstHeading(summary));
            }
            expect(await block(id, 'job-summary').locator('.rendered').isVisible(), id).toBe(true);
          }
          if (job.conclusion !== 'skipped') {
            const rows = block(id, 'outputs').locator('table.outputs tbody tr');
            expect(await rows.count(), id).toBe(Object.keys(job.outputs).length);
          }
        }
      }
      // The drift issue, in the drift run's section.
      const issue = result.driftIssues[0]!;
      const drift = block(lifecycleRun('drift').dir, `issue-${issue.number}`);
      expect(await drift.locator('.block-title').textContent()).toContain(issue.title);
      expect(await drift.locator('.rendered').isVisible()).toBe(true);
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
