import { markdownTable } from '../action/summary.ts';
import { redactUrl, type ProbeResult } from './smoke-test.ts';

/** The `results` output: one entry per URL, kebab-case keys. */
export function resultsOutput(results: readonly ProbeResult[]): Record<string, unknown>[] {
  return results.map((r) => ({
    url: redactUrl(r.url),
    ok: r.ok,
    status: r.status ?? null,
    attempts: r.attempts,
    'latency-ms': r.latencyMs ?? null,
    error: r.error ?? null,
  }));
}

/** The job summary: a headline and a row per URL. */
export function renderSmokeSummary(results: readonly ProbeResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  const headline = failed
    ? `### ❌ Smoke test failed: ${failed} of ${results.length} URL${results.length === 1 ? '' : 's'} unhealthy`
    : `### ✅ Smoke test passed: ${results.length} of ${results.length} URL${results.length === 1 ? '' : 's'} healthy`;
  const headers = ['', 'Method', 'URL', 'Attempts', 'Last status', 'Latency'];
  const rows = results.map((r) => [
    r.ok ? '✅' : '❌',
    r.method,
    redactUrl(r.url),
    String(r.attempts),
    r.status === undefined ? '—' : String(r.status),
    r.latencyMs === undefined ? '—' : `${r.latencyMs} ms`,
    ...(failed ? [r.error ?? ''] : []),
  ]);
  return `${headline}\n\n${markdownTable(failed ? [...headers, 'Why it failed'] : headers, rows)}\n`;
}
