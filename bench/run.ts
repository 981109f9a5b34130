// `npm run bench`: every benchmark of the suite, each printing a table with
// its goal beside each figure. Speed targets are read here, never asserted by
// timed tests: a missed goal prints MISS; a measurement that could not be
// made (a bundle that crashed, a step that failed) makes the exit code 1.
import { benchBundles } from './bundles.ts';
import { benchDockerPublish } from './docker-publish.ts';
import { benchDriftDetect } from './drift-detect.ts';
import { benchPlanModel } from './plan-model.ts';
import { benchSmokeTest } from './smoke-test.ts';

const BENCHES = {
  'cold start': benchBundles,
  'plan path': benchPlanModel,
  'smoke-test': benchSmokeTest,
  'drift-detect': benchDriftDetect,
  'docker-publish': benchDockerPublish,
};

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
const failed: string[] = [];
for (const [name, bench] of Object.entries(BENCHES)) {
  try {
    await bench();
  } catch (error) {
    failed.push(name);
    console.error(`\n${name}: could not be measured:`, error);
  }
}
if (failed.length) {
  console.error(`\nNot measured: ${failed.join(', ')}`);
  process.exitCode = 1;
}
