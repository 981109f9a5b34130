// The smoke-test baseline: a bare Node process that GETs every URL of the
// file in argv[2] (one a line) with global fetch, `argv[3]` at a time, and
// exits non-zero unless each answered 200 — the least a probe can do.
import { readFileSync } from 'node:fs';

const urls = readFileSync(process.argv[2]!, 'utf8').split('\n').filter(Boolean);
const concurrency = Number(process.argv[3]);
let next = 0;
let failed = 0;
async function worker(): Promise<void> {
  while (next < urls.length) {
    const response = await fetch(urls[next++]!);
    await response.arrayBuffer();
    if (response.status !== 200) failed++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
process.exitCode = failed ? 1 : 0;
