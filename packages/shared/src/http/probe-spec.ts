import { JSONPath } from 'jsonpath-plus';
import { invalidInput } from '../action/action-error.ts';
import { MIN_SECRET_LENGTH } from '../action/mask.ts';
import { parseDuration } from '../util/duration.ts';
import { parseStatusRange, type StatusRange } from './status-range.ts';
import { urlCredentials, withoutCredentials } from './url-credentials.ts';

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
/** Longer URLs are refused by most servers and proxies (RFC 9110 asks for at least 8000 octets). */
export const MAX_URL_LENGTH = 8192;
/** A header value longer than this is a mistake (servers refuse headers over 8–16 kB in all). */
export const MAX_HEADER_VALUE_LENGTH = 8192;
/** RFC 9110's token: the characters a header name may have. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Every secret the probes carry — header values (of `headers` and of each
 * check) and URL credentials — read leniently from the inputs as given, so
 * that they can be masked before validation, whose messages may quote them.
 */
export function probeSecrets(urls: readonly string[], checks: unknown, headers: unknown): string[] {
  const secrets: string[] = [];
  const headerValues = (map: unknown) => {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return;
    for (const value of Object.values(map)) {
      // A value of a few characters (`X-Retry: 3`) is no credential, and masked it would blank that character in the whole log.
      if (
        (typeof value === 'string' || typeof value === 'number') &&
        String(value).trim().length >= MIN_SECRET_LENGTH
      ) {
        secrets.push(String(value));
      }
    }
  };
  for (const url of urls) secrets.push(...urlCredentials(url));
  headerValues(headers);
  if (Array.isArray(checks)) {
    for (const check of checks as unknown[]) {
      if (typeof check !== 'object' || check === null) continue;
      const { url, headers: checkHeaders } = check as Record<string, unknown>;
      if (typeof url === 'string') secrets.push(...urlCredentials(url));
      headerValues(checkHeaders);
    }
  }
  return secrets;
}

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
      `has item ${where} with unknown key ${quoted(unknown[0]!)}; allowed keys: ${CHECK_KEYS.join(', ')}.`,
    );
  }
  if (typeof c.url !== 'string') throw invalidInput('checks', `has item ${where} without a \`url:\`.`);
  const method = String(c.method ?? 'GET').toUpperCase();
  if (!METHODS.includes(method)) throw invalidInput('checks', `${where}.method must be one of ${METHODS.join(', ')}.`);
  if (c['expect-json'] !== undefined && (typeof c['expect-json'] !== 'object' || Array.isArray(c['expect-json']))) {
    throw invalidInput('checks', `${where}.expect-json must be a mapping of JSON path to expected value.`);
  }
  if (c['expect-json'] !== undefined) {
    for (const path of Object.keys(c['expect-json'] as object)) {
      const problem = jsonPathProblem(path);
      if (problem) throw invalidInput('checks', `${where}.expect-json has the JSON path ${quoted(path)}, ${problem}.`);
    }
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
  const place = where ? ` at ${where}` : '';
  if (text.length > MAX_URL_LENGTH) {
    throw invalidInput(
      input,
      `has a URL of ${text.length} characters${place}; the limit is ${MAX_URL_LENGTH}: probe a shorter URL.`,
    );
  }
  // The URL parser drops tabs and line breaks and encodes spaces: the URL probed would not be the one written.
  if (/[\s\p{Cc}]/u.test(text)) {
    throw invalidInput(input, `has a URL with a space, a line break or a control character${place}: remove it.`);
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw invalidInput(
      input,
      `has '${withoutCredentials(text)}'${place}, which is not an http(s) URL such as https://example.com/health.`,
    );
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
  // Values are secrets (tokens): messages name the header, never quote its value.
  return Object.fromEntries(
    Object.entries(value).map(([name, v]) => {
      if (!HEADER_NAME.test(name)) {
        throw invalidInput(
          input,
          `${place(input, where)}has the header name ${quoted(name)}, which is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~-).`,
        );
      }
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw invalidInput(input, `${place(input, where)}has a value for header '${name}' that is not text.`);
      }
      const text = String(v);
      if (/(?!\t)\p{Cc}/u.test(text)) {
        throw invalidInput(
          input,
          `${place(input, where)}has a line break or a control character in the value of header '${name}': a header value is one line of text.`,
        );
      }
      if (text.length > MAX_HEADER_VALUE_LENGTH) {
        throw invalidInput(
          input,
          `${place(input, where)}has a value of ${text.length} characters for header '${name}'; the limit is ${MAX_HEADER_VALUE_LENGTH}.`,
        );
      }
      return [name, text];
    }),
  );
}

/** Why a JSON path of expect-json cannot be evaluated, or undefined. */
function jsonPathProblem(path: string): string | undefined {
  const query = path.startsWith('$') ? path : `$.${path}`;
  try {
    JSONPath({ path: query, json: {}, wrap: true, eval: false });
    return undefined;
  } catch {
    return 'which cannot be evaluated: use a path of names and indexes such as status or $.checks[0].state (filter expressions are not supported)';
  }
}

/** A name from the input, for a message: JSON-quoted (one line), cut when long. */
function quoted(text: string, max = 60): string {
  const json = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return `'${json.slice(1, -1)}'`;
}

function place(input: string, where: string): string {
  return where === input ? '' : `(${where}) `;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
