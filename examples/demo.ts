// `npm run demo`: the pipeline's lifecycle on the reference repository
// (examples/lifecycle.ts), through the workflow tier: a pull request planned,
// approved, merged and applied dev → staging → prod; the app built once and
// promoted by digest; drift found by the nightly run. Streams each step's log,
// writes every job summary, the pull request's comments and the drift issue to
// .demo/ as Markdown, and ends with .demo/index.html, a page that shows them all.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';

// Before anything starts (real-terraform.ts throws where CI requires one): one line, and exit 1.
const terraform = await import('../test/e2e/real-terraform.ts').then(
  (m) => m.REAL_TERRAFORM,
  () => undefined,
);
if (!terraform) {
  console.error('npm run demo needs terraform (1.6 or later) or tofu on PATH: install one, then run it again.');
  process.exit(1);
}
const { runLifecycle } = await import('./lifecycle.ts');

const controller = new AbortController();
// Ctrl-C stops the running workflow run (its steps get the runner's SIGINT); the services are then stopped.
process.once('SIGINT', () => {
  console.log('\nInterrupted: stopping the run…');
  controller.abort();
});

const out = path.join(REPO_ROOT, '.demo');
try {
  // The demo's own directory: nothing of an earlier run may pass for this one's.
  await rm(out, { recursive: true, force: true });
  const result = await runLifecycle({ out, log: (text) => console.log(text), signal: controller.signal });
  if (result.page) {
    console.log(`\nOpen ${result.page}`);
    console.log(
      '  a section per run and job: every job summary, the pull request’s plan comments, the drift issue, and each job’s status and outputs',
    );
  }
  if (result.files.length) {
    console.log(`The same Markdown, as files under ${out}${path.sep}:`);
    const byDir = Map.groupBy(result.files, (file) => path.dirname(file));
    for (const [dir, files] of byDir) console.log(`  ${dir}/: ${files.map((f) => path.basename(f)).join(', ')}`);
  }
  console.log(`Total: ${(result.tookMs / 1000).toFixed(1)} s.`);
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error(`\nThe demo could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
