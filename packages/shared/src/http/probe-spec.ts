import { invalidInput } from '../action/action-error.ts';
import { parseDuration } from '../util/duration.ts';
import { parseStatusRange, type StatusRange } from './status-range.ts';

/** What one probe sends and what its answer must satisfy. */
export interface ProbeSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  expectStatus: StatusRange;
  expectBody?: RegExp;
  /** JSON path → expected value. */
  expectJson?: Record<string, unknown>;
  maxLatencyMs?: number;
}

/** Settings that apply to every URL unless a check overrides them. */
export interface ProbeDefaults {
  expectStatus: string;
  expectBody?: string;
  maxLatency?: string;
  headers: Record<string, unknown>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const CHECK_KEYS = ['url', 'method', 'headers', 'body', 'expect-status', 'expect-body', 'expect-json', 'max-latency'];

/**
 * Builds the probe list from the `urls` lines and the `checks` YAML list,
 * validating everything before anything is probed. Errors name the input and
 * the item (`checks[2].expect-status`).
 */
export function buildProbeSpecs(urls: readonly string[], checks: unknown, defaults: ProbeDefaults): ProbeSpec[] {
  const base = {
    expectStatus: statusRange('expect-status', defaults.expectStatus),
    expectBody: defaults.expectBody ? regex('expect-body', defaults.expectBody) : undefined,
    maxLatencyMs: defaults.maxLatency ? latency('max-latency', defaults.maxLatency) : undefined,
    headers: headerMap('headers', defaults.headers),
  };
  const specs: ProbeSpec[] = urls.map((url, i) => ({
    ...withoutUndefined(base),
    url: validUrl('urls', url, `line ${i + 1}`),
    method: 'GET',
  }));
  if (checks !== undefined && checks !== null) {
    if (!Array.isArray(checks))
      throw invalidInput('checks', 'must be a YAML list of checks, each starting with `- url: ...`.');
    checks.forEach((check: unknown, i) => specs.push(checkSpec(check, `checks[${i}]`, base)));
  }
  if (specs.length === 0) throw invalidInput('urls', 'or `checks` must name at least one URL to probe.');
  return specs;
}

function checkSpec(check: unknown, where: string, base: Omit<ProbeSpec, 'url' | 'method'>): ProbeSpec {
  if (typeof check !== 'object' || check === null || Array.isArray(check)) {
    throw invalidInput('checks', `has item ${where}, which must be a mapping with at least \`url:\`.`);
  }
  const c = check as Record<string, unknown>;
  const unknown = Object.keys(c).filter((k) => !CHECK_KEYS.includes(k));
  if (unknown.length) {
    throw invalidInput(
      'checks',
      `has item ${where} with unknown key '${unknown[0]}'; allowed keys: ${CHECK_KEYS.join(', ')}.`,
    );
  }
  if (typeof c.url !== 'string') throw invalidInput('checks', `has item ${where} without a \`url:\`.`);
  const method = String(c.method ?? 'GET').toUpperCase();
  if (!METHODS.includes(method)) throw invalidInput('checks', `${where}.method must be one of ${METHODS.join(', ')}.`);
  if (c['expect-json'] !== undefined && (typeof c['expect-json'] !== 'object' || Array.isArray(c['expect-json']))) {
    throw invalidInput('checks', `${where}.expect-json must be a mapping of JSON path to expected value.`);
  }
  const url = validUrl(`checks`, c.url, `${where}.url`);
  const headers = headerMap(`checks`, c.headers ?? {}, `${where}.headers`);
  // Header names are case-insensitive: `accept:` replaces a default `Accept:`, not joins it.
  const overridden = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  const inherited = Object.entries(base.headers).filter(([k]) => !overridden.has(k.toLowerCase()));
  return withoutUndefined({
    url,
    method,
    headers: { ...Object.fromEntries(inherited), ...headers },
    body: c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
    expectStatus:
      c['expect-status'] === undefined
        ? base.expectStatus
        : statusRange('checks', String(c['expect-status']), `${where}.expect-status`),
    expectBody:
      c['expect-body'] === undefined
        ? base.expectBody
        : regex('checks', String(c['expect-body']), `${where}.expect-body`),
    expectJson: c['expect-json'] as Record<string, unknown> | undefined,
    maxLatencyMs:
      c['max-latency'] === undefined
        ? base.maxLatencyMs
        : latency('checks', String(c['max-latency']), `${where}.max-latency`),
  });
}

function validUrl(input: string, text: string, where = ''): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const place = where ? ` at ${where}` : '';
    throw invalidInput(input, `has '${text}'${place}, which is not an http(s) URL such as https://example.com/health.`);
  }
  return text;
}

function statusRange(input: string, text: string, where = input): StatusRange {
  const range = parseStatusRange(text);
  if (!range)
    throw invalidInput(
      input,
      `${place(input, where)}must be status codes or ranges such as 200,204 or 200-299 (got '${text}').`,
    );
  return range;
}

function regex(input: string, text: string, where = input): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw invalidInput(input, `${place(input, where)}is not a valid regular expression: ${(error as Error).message}`);
  }
}

function latency(input: string, text: string, where = input): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw invalidInput(input, `${place(input, where)}must be a positive duration such as 500ms or 2s (got '${text}').`);
  }
  return ms;
}

function headerMap(input: string, value: unknown, where = input): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(input, `${place(input, where)}must be a mapping of header names to values.`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function place(input: string, where: string): string {
  return where === input ? '' : `(${where}) `;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
