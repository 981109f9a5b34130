import * as core from '@iac-actions/shared/action/runner-commands.ts';
import { ActionError } from '@iac-actions/shared/action/action-error.ts';
import {
  readBoolean,
  readDuration,
  readInteger,
  readList,
  readMap,
  readString,
  readYaml,
} from '@iac-actions/shared/action/inputs.ts';
import { maskSecret } from '@iac-actions/shared/action/mask.ts';
import { setOutputs } from '@iac-actions/shared/action/outputs.ts';
import { run } from '@iac-actions/shared/action/run.ts';
import { appendSummary } from '@iac-actions/shared/action/summary.ts';
import { createProbeClient } from '@iac-actions/shared/http/probe.ts';
import { buildProbeSpecs, probeSecrets } from '@iac-actions/shared/http/probe-spec.ts';
import { renderSmokeSummary, resultsOutput } from '@iac-actions/shared/http/smoke-report.ts';
import { redactUrl, runProbes } from '@iac-actions/shared/http/smoke-test.ts';

async function main(): Promise<void> {
  // Secrets first: URL credentials and header values are masked as each input
  // is read, before any validation, whose messages may quote a URL. The YAML
  // readers' own errors quote nothing.
  const urls = readList('urls');
  probeSecrets(urls, undefined, undefined).forEach(maskSecret);
  const headers = readMap('headers');
  probeSecrets([], undefined, headers).forEach(maskSecret);
  const checks = readYaml('checks');
  probeSecrets([], checks, undefined).forEach(maskSecret);
  const specs = buildProbeSpecs(urls, checks, {
    expectStatus: readString('expect-status', '200-399'),
    expectBody: readString('expect-body'),
    maxLatency: readString('max-latency'),
    headers,
  });
  const options = {
    timeoutMs: readDuration('timeout', '10s'),
    maxAttempts: readInteger('max-attempts', 10, { min: 1, max: 1000 }),
    retryDelayMs: readDuration('retry-delay', '2s'),
    maxRetryDelayMs: readDuration('max-retry-delay', '30s'),
    deadlineMs: readDuration('deadline', '5m'),
    concurrency: readInteger('concurrency', 32, { min: 1, max: 100 }),
  };
  const client = await createProbeClient({
    followRedirects: readBoolean('follow-redirects', true),
    insecureTls: readBoolean('insecure-tls', false),
  });

  const results = await core
    .group(`Probing ${specs.length} URL${specs.length === 1 ? '' : 's'}`, () =>
      runProbes(specs, options, client.send, core.info),
    )
    .finally(client.close);

  const failed = results.filter((r) => !r.ok);
  setOutputs({
    passed: failed.length === 0,
    results: resultsOutput(results),
    'failed-urls': failed.map((r) => redactUrl(r.url)).join('\n'),
  });
  await appendSummary(renderSmokeSummary(results));
  if (failed.length) {
    for (const r of failed) core.error(`${r.method} ${redactUrl(r.url)}: ${r.error}`, { title: 'Smoke test failed' });
    throw new ActionError(`${failed.length} of ${results.length} URLs failed their checks.`, 'probes-failed');
  }
}

await run({ name: 'smoke-test', main });
