// `npm run bench`: every benchmark of the suite, each printing a table.
// Speed targets are read here, never asserted by timed tests.
import { benchBundles } from './bundles.ts';
import { benchDockerPublish } from './docker-publish.ts';
import { benchDriftDetect } from './drift-detect.ts';
import { benchPlanModel } from './plan-model.ts';
import { benchSmokeTest } from './smoke-test.ts';

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
await benchBundles();
await benchSmokeTest();
await benchPlanModel();
await benchDriftDetect();
await benchDockerPublish();
