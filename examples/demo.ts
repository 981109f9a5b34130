// `npm run demo`: the suite's main job on the embedded example (examples/pipeline.ts),
// every action run as its committed bundle. Streams each step's log, prints its
// outputs, writes each job summary and the PR comment to .demo/ as Markdown, and
// ends with .demo/index.html, a page that shows them all, and says where it is.
//   npm run demo             a real terraform or tofu from PATH when there is one
//   npm run demo -- --double the Terraform CLI double, with the recorded plan
import path from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';
import { runPipeline } from './pipeline.ts';

const controller = new AbortController();
// Ctrl-C reaches the running step (same process group); the services are then stopped.
process.once('SIGINT', () => {
  console.log('\nInterrupted: stopping after this step…');
  controller.abort();
});

const out = path.join(REPO_ROOT, '.demo');
try {
  const result = await runPipeline({
    out,
    terraform: process.argv.includes('--double') ? 'double' : 'auto',
    log: (text) => console.log(text),
    signal: controller.signal,
  });
  if (result.page) {
    console.log(`\nOpen ${result.page}`);
    console.log("  every job summary, the pull request comment, and each step's status and outputs, on one page");
  }
  if (result.files.length) {
    console.log(
      `The same Markdown, as files in ${out}${path.sep}: ${result.files.map((f) => path.basename(f)).join(', ')}`,
    );
  }
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error(`\nThe demo could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
