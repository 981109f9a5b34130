import { invalidInput } from '../action/action-error.ts';
import { maskSecret, MIN_SECRET_LENGTH, registeredSecrets, textMasker as sharedTextMasker } from '../action/mask.ts';
import type { JsonChange, JsonPlan, JsonResourceChange } from './plan-types.ts';

// The one masking function for Terraform plans: a copy of the JSON plan that
// can be shown, stored or uploaded, and the list of secret strings the caller
// registers with the runner's mask and scrubs from the human plan text. The
// action does `maskSecret` for each returned secret. Strings shorter than
// MIN_SECRET_LENGTH are masked in the plan but not returned as secrets:
// scrubbing every `on` or `123` from a plan text would destroy it.

/** What Terraform itself prints in place of a sensitive value. */
export const SENSITIVE_PLACEHOLDER = '(sensitive value)';

/**
 * Compiles the `mask-patterns` input: one JavaScript regular expression per
 * line, blank lines ignored. `(?i:...)` makes part of a pattern case-insensitive.
 */
export function compileMaskPatterns(lines: string[]): RegExp[] {
  const patterns: RegExp[] = [];
  lines.forEach((line, index) => {
    const source = line.trim();
    if (!source) return;
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^.*: /, '') : String(error);
      throw invalidInput(
        'mask-patterns',
        `has an invalid regular expression on line ${index + 1}: '${source}' (${reason}). Fix or remove that line.`,
      );
    }
    if (pattern.test('')) {
      throw invalidInput(
        'mask-patterns',
        `line ${index + 1} ('${source}') matches the empty string, so it would mask every value. Make it match at least one character.`,
      );
    }
    patterns.push(pattern);
  });
  return patterns;
}

// ---------------------------------------------------------------------------
// Secret-looking attribute names

const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'apikeys',
  'privatekey',
  'secretkey',
  'accesskey',
  'clientsecret',
  'connectionstring',
]);

/** Two-word terms, as consecutive segments: `private_key`, `api-key`, `AccessKey`. */
const SECRET_PAIRS = new Set([
  'private key',
  'access key',
  'api key',
  'connection string',
  'shared key',
  'account key',
  'master key',
  'signing key',
]);

/**
 * Words that, after the secret word, make the name describe the secret rather
 * than hold it: `token_ttl`, `password_length`, `secret_arn`, `access_key_id`,
 * `token_expires_at`. Those values are settings or references; masking them
 * would also scrub every `3600` or `true` from the plan text.
 */
const QUALIFIERS = new Set([
  'ttl',
  'type',
  'types',
  'length',
  'len',
  'min',
  'max',
  'minimum',
  'maximum',
  'policy',
  'policies',
  'name',
  'names',
  'id',
  'ids',
  'arn',
  'arns',
  'version',
  'versions',
  'stage',
  'endpoint',
  'url',
  'uri',
  'path',
  'paths',
  'file',
  'filename',
  'dir',
  'location',
  'count',
  'expiry',
  'expiration',
  'expires',
  'expire',
  'lifetime',
  'duration',
  'timeout',
  'period',
  'age',
  'validity',
  'enabled',
  'enable',
  'disabled',
  'required',
  'reset',
  'rotation',
  'rotate',
  'format',
  'algorithm',
  'kind',
  'mode',
  'description',
  'hint',
  'prefix',
  'suffix',
  'source',
  'ref',
  'reference',
  'created',
  'updated',
  'last',
  'used',
  'at',
  'date',
  'time',
  'timestamp',
  'header',
  'field',
  'attribute',
]);

function nameSegments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function computeSecretName(name: string): boolean {
  const segments = nameSegments(name);
  // The last secret term decides: what follows it says whether the name holds
  // the secret (`db_password`, `private_key_pem`) or describes it (`token_ttl`).
  let end = -1;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (SECRET_WORDS.has(segment)) end = i + 1;
    else if (i + 1 < segments.length && SECRET_PAIRS.has(`${segment} ${segments[i + 1]}`)) end = i + 2;
  }
  if (end < 0) return false;
  for (let i = end; i < segments.length; i++) if (QUALIFIERS.has(segments[i] as string)) return false;
  return true;
}

const secretNameCache = new Map<string, boolean>();
const SECRET_NAME_CACHE_LIMIT = 10_000;

/**
 * Whether an attribute, variable or output name looks like it holds a secret
 * even when the provider did not mark it sensitive. Matches whole words of
 * snake_case, kebab-case or camelCase names, case-insensitively.
 */
export function isSecretName(name: string): boolean {
  let secret = secretNameCache.get(name);
  if (secret === undefined) {
    secret = computeSecretName(name);
    if (secretNameCache.size < SECRET_NAME_CACHE_LIMIT) secretNameCache.set(name, secret);
  }
  return secret;
}

// ---------------------------------------------------------------------------
// Finding the secrets of a JSON plan, and masking it

export interface MaskOptions {
  /** User patterns (`mask-patterns`): a string value that matches one is masked. */
  patterns?: RegExp[];
}

export interface MaskedPlan {
  plan: JsonPlan;
  /** Every distinct secret string that was masked, to register with the runner and scrub from texts. */
  secrets: string[];
}

/** What one walk of the plan finds: enough to decide, value by value, what the masked copy hides. */
interface Found {
  patterns: RegExp[];
  /** The same patterns with the `g` flag, to collect every match (a fresh lastIndex each use). */
  globalPatterns: RegExp[];
  /** Every distinct secret string of MIN_SECRET_LENGTH or more. */
  secrets: Set<string>;
  /** Strings a user pattern matched, whatever their length: the copy hides them whole. */
  matched: Set<string>;
  /** Whether a secret is a number's text: only then are numbers looked up. */
  numericSecrets: boolean;
  /** Strings already tested against the patterns: plans repeat values (tags, regions, names). */
  tested: Set<string>;
}

/**
 * The most strings remembered as tested before the set starts again: a set
 * of every string of a large plan misses the cache on nearly every lookup
 * (at 50k resources it cost more than the patterns it saved).
 */
const TESTED_LIMIT = 4096;

function addSecret(f: Found, secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH || f.secrets.has(secret)) return;
  f.secrets.add(secret);
  if (String(Number(secret)) === secret) f.numericSecrets = true;
}

/** Records every string and number under a marked value. Booleans are left out: `true` is no secret. */
function collectLeaves(f: Found, value: unknown): void {
  if (typeof value === 'string') addSecret(f, value);
  else if (typeof value === 'number') addSecret(f, String(value));
  else if (Array.isArray(value)) for (const item of value) collectLeaves(f, item);
  else if (value !== null && typeof value === 'object')
    for (const key in value) collectLeaves(f, (value as Record<string, unknown>)[key]);
}

/** Tests `value` against the user patterns; each match's text is a secret. */
function matchPatterns(f: Found, value: string): void {
  if (f.tested.has(value)) return;
  if (f.tested.size >= TESTED_LIMIT) f.tested.clear();
  f.tested.add(value);
  for (let i = 0; i < f.patterns.length; i++) {
    if (!(f.patterns[i] as RegExp).test(value)) continue;
    f.matched.add(value);
    // The matched text is the secret: a pattern for keys inside a long script
    // must not turn every line of the script into a "secret" for the text scrub.
    const global = f.globalPatterns[i] as RegExp;
    global.lastIndex = 0;
    for (const match of value.matchAll(global)) addSecret(f, match[0]);
  }
}

/** `{ name = "DB_PASSWORD", value = "..." }`: environment variables of containers and functions carry the secret's name beside its value. */
function hasSecretName(record: Record<string, unknown>): boolean {
  return typeof record.name === 'string' && 'value' in record && isSecretName(record.name);
}

/**
 * Finds the secrets in `value`. `marker` is the matching subtree of
 * before_sensitive/after_sensitive (`true`: all of it is sensitive);
 * `secretByName`: it sits under a secret-looking name, so its strings are
 * secrets (its numbers and booleans are settings such as lengths and flags).
 */
function findIn(f: Found, value: unknown, marker: unknown, secretByName: boolean): void {
  if (marker === true) {
    collectLeaves(f, value);
    return;
  }
  if (typeof value === 'string') {
    if (secretByName && value !== '') addSecret(f, value);
    else if (f.patterns.length > 0) matchPatterns(f, value);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const markerIsTree = marker !== null && typeof marker === 'object';
  if (Array.isArray(value)) {
    const markers = markerIsTree && Array.isArray(marker) ? (marker as unknown[]) : undefined;
    for (let i = 0; i < value.length; i++) findIn(f, value[i], markers?.[i], secretByName);
    return;
  }
  const record = value as Record<string, unknown>;
  const markers = markerIsTree && !Array.isArray(marker) ? (marker as Record<string, unknown>) : undefined;
  for (const key in record) {
    const childSecret = secretByName || isSecretName(key) || (key === 'value' && hasSecretName(record));
    findIn(f, record[key], markers?.[key], childSecret);
  }
}

/** The pattern matches of a free text (generated config, check messages): only the matched parts are secrets. */
function findInText(f: Found, value: unknown): void {
  if (typeof value === 'string') {
    if (f.patterns.length > 0) matchPatterns(f, value);
  } else if (Array.isArray(value)) {
    for (const item of value) findInText(f, item);
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) findInText(f, (value as Record<string, unknown>)[key]);
  }
}

/** Names of root variables the configuration declares `sensitive = true`. */
function sensitiveVariableNames(configuration: unknown): Set<string> {
  const names = new Set<string>();
  const root = (configuration as { root_module?: { variables?: Record<string, { sensitive?: unknown }> } } | undefined)
    ?.root_module;
  for (const [name, declaration] of Object.entries(root?.variables ?? {})) {
    if (declaration?.sensitive === true) names.add(name);
  }
  return names;
}

/** A variable's value: marked whole when declared sensitive; its strings are secrets when its name looks secret too. */
function variableContext(sensitiveVariables: Set<string>, name: string): { marker: boolean; byName: boolean } {
  const marker = sensitiveVariables.has(name);
  return { marker, byName: marker || isSecretName(name) };
}

/** An output's strings are secrets when it is sensitive or its name looks secret. */
function outputByName(name: string, change: JsonChange): boolean {
  return change.before_sensitive === true || change.after_sensitive === true || isSecretName(name);
}

/** One walk of every value of the plan that can hold a secret. */
function findSecrets(plan: JsonPlan, options: MaskOptions, sensitiveVariables: Set<string>): Found {
  // `g` and `y` make test() remember where it stopped: one copy without, one with `g`.
  const patterns = (options.patterns ?? []).map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
  const f: Found = {
    patterns,
    globalPatterns: patterns.map((p) => new RegExp(p.source, `${p.flags}g`)),
    secrets: new Set(),
    matched: new Set(),
    numericSecrets: false,
    tested: new Set(),
  };
  for (const [name, variable] of Object.entries(plan.variables ?? {})) {
    const { marker, byName } = variableContext(sensitiveVariables, name);
    findIn(f, variable?.value, marker, byName);
  }
  for (const list of [plan.resource_changes ?? [], plan.resource_drift ?? []]) {
    for (const { change } of list) {
      findIn(f, change.before, change.before_sensitive, false);
      findIn(f, change.after, change.after_sensitive, false);
    }
  }
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const byName = outputByName(name, change);
    findIn(f, change.before, change.before_sensitive, byName);
    findIn(f, change.after, change.after_sensitive, byName);
  }
  for (const rc of plan.resource_changes ?? []) {
    if (typeof rc.change.generated_config === 'string') findInText(f, rc.change.generated_config);
  }
  if (plan.checks) findInText(f, plan.checks);
  return f;
}

/**
 * Every distinct secret string of the plan, as `maskPlan` returns them,
 * without making the masked copy: what tf-plan and tf-apply register with the
 * runner's mask and scrub from their texts.
 */
export function planSecrets(plan: JsonPlan, options: MaskOptions = {}): string[] {
  return [...findSecrets(plan, options, sensitiveVariableNames(plan.configuration)).secrets];
}

/** A masked copy of `value`, with what `findIn` found in it (the same arguments). */
function maskValue(f: Found, value: unknown, marker: unknown, secretByName: boolean): unknown {
  if (marker === true) return value === null || value === undefined ? value : SENSITIVE_PLACEHOLDER;
  if (typeof value === 'string') {
    const hidden = (secretByName && value !== '') || f.secrets.has(value) || f.matched.has(value);
    return hidden ? SENSITIVE_PLACEHOLDER : value;
  }
  if (typeof value === 'number') {
    return f.numericSecrets && f.secrets.has(String(value)) ? SENSITIVE_PLACEHOLDER : value;
  }
  if (value === null || typeof value !== 'object') return value;

  const markerIsTree = marker !== null && typeof marker === 'object';
  if (Array.isArray(value)) {
    const markers = markerIsTree && Array.isArray(marker) ? (marker as unknown[]) : undefined;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = maskValue(f, value[i], markers?.[i], secretByName);
    return out;
  }
  const record = value as Record<string, unknown>;
  const markers = markerIsTree && !Array.isArray(marker) ? (marker as Record<string, unknown>) : undefined;
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const childSecret = secretByName || isSecretName(key) || (key === 'value' && hasSecretName(record));
    out[key] = maskValue(f, record[key], markers?.[key], childSecret);
  }
  return out;
}

function scrubStrings(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, scrub));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = scrubStrings(item, scrub);
    return out;
  }
  return value;
}

/**
 * A copy of the plan safe to show: every sensitive value replaced by
 * `(sensitive value)`, and the distinct secret strings that were replaced.
 *
 * Masked: values marked in before_sensitive/after_sensitive; strings under a
 * secret-looking name (see `isSecretName`) even when the provider did not mark
 * them; strings matching a user pattern; and anywhere in the copy, any string
 * equal to one of those secrets. Covers resource_changes and resource_drift
 * (before/after), output_changes, and variables (declared sensitive, or by
 * name and patterns). Secrets inside generated_config and checks are cut out
 * of their text.
 *
 * Every secret is found by one walk of the plan before the copy is made, so
 * that a copy of a secret is masked wherever it comes first.
 *
 * Left out of the copy: planned_values, prior_state and configuration. They
 * repeat values already in resource_changes (or literal expressions of the
 * configuration), nothing downstream reads them from the masked plan, and
 * masking them would double the cost on large plans. Other unknown top-level
 * fields (provider_schemas of cloud-redacted plans, ...) are left out too.
 *
 * `plan` is not changed. Values (before/after, variable values) are copied;
 * metadata that holds no values (markers, after_unknown, replace_paths,
 * importing) is shared with `plan`: treat both as read-only.
 */
export function maskPlan(plan: JsonPlan, options: MaskOptions = {}): MaskedPlan {
  const sensitiveVariables = sensitiveVariableNames(plan.configuration);
  const f = findSecrets(plan, options, sensitiveVariables);

  const maskResource = (rc: JsonResourceChange): JsonResourceChange => ({
    ...rc,
    change: {
      ...rc.change,
      before: maskValue(f, rc.change.before, rc.change.before_sensitive, false),
      after: maskValue(f, rc.change.after, rc.change.after_sensitive, false),
    },
  });
  const masked: JsonPlan = { format_version: plan.format_version };
  if (plan.terraform_version !== undefined) masked.terraform_version = plan.terraform_version;
  if (plan.timestamp !== undefined) masked.timestamp = plan.timestamp;
  if (plan.errored !== undefined) masked.errored = plan.errored;
  if (plan.applyable !== undefined) masked.applyable = plan.applyable;
  if (plan.complete !== undefined) masked.complete = plan.complete;
  if (plan.variables) {
    const variables: NonNullable<JsonPlan['variables']> = {};
    for (const [name, variable] of Object.entries(plan.variables)) {
      const { marker, byName } = variableContext(sensitiveVariables, name);
      variables[name] = { ...variable, value: maskValue(f, variable?.value, marker, byName) };
    }
    masked.variables = variables;
  }
  if (plan.resource_changes) masked.resource_changes = plan.resource_changes.map(maskResource);
  if (plan.resource_drift) masked.resource_drift = plan.resource_drift.map(maskResource);
  if (plan.output_changes) {
    const outputs: Record<string, JsonChange> = {};
    for (const [name, change] of Object.entries(plan.output_changes)) {
      const byName = outputByName(name, change);
      outputs[name] = {
        ...change,
        before: maskValue(f, change.before, change.before_sensitive, byName),
        after: maskValue(f, change.after, change.after_sensitive, byName),
      };
    }
    masked.output_changes = outputs;
  }
  if (plan.relevant_attributes) masked.relevant_attributes = plan.relevant_attributes;

  // Free texts: only the secret parts are cut out, so they stay readable.
  const secrets = [...f.secrets];
  const withConfig = (masked.resource_changes ?? []).filter((rc) => typeof rc.change.generated_config === 'string');
  const scrub = withConfig.length > 0 || plan.checks ? textMasker(secrets) : (text: string) => text;
  for (const rc of withConfig) rc.change.generated_config = scrub(rc.change.generated_config as string);
  if (plan.checks) masked.checks = scrubStrings(plan.checks, scrub) as unknown[];

  return { plan: masked, secrets };
}

// ---------------------------------------------------------------------------
// Masking texts

function textMasker(secrets: readonly string[]): (text: string) => string {
  return sharedTextMasker(secrets, SENSITIVE_PLACEHOLDER);
}

/**
 * The forms Terraform itself gives a value, beyond those every text is
 * searched for (action/mask.ts): `urlencode()` is Go's url.QueryEscape
 * (RFC 3986's reserved characters escaped, and a space as `+`), and the plan
 * shows strings HCL-escaped (`$${` and `%%{` for template sequences).
 */
export function terraformForms(secret: string): string[] {
  // Neither escaping changes these characters: the common case of tokens and passwords.
  if (/^[A-Za-z0-9_.~-]*$/.test(secret)) return [];
  const query = encodeURIComponent(secret)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
  const hcl = JSON.stringify(secret)
    .slice(1, -1)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return [query, hcl].filter((form) => form !== secret && form.length >= MIN_SECRET_LENGTH);
}

/**
 * Registers a value Terraform may print as a secret, with the forms Terraform
 * gives it (terraformForms): the runner then masks those in the log too, and
 * `redact` in every text that leaves.
 */
export function maskTerraformValue(value: string): void {
  maskSecret(value);
  for (const form of terraformForms(value)) maskSecret(form);
}

/**
 * The plan's secrets (planSecrets), each registered with the runner's mask in
 * the forms Terraform prints it (maskTerraformValue): what a step that shows a
 * plan does before any of its text can reach the log.
 */
export function registerPlanSecrets(plan: JsonPlan, options: MaskOptions = {}): string[] {
  const secrets = planSecrets(plan, options);
  secrets.forEach(maskTerraformValue);
  return secrets;
}

let maskerCache: { key: string; mask: (text: string) => string } | undefined;

/**
 * Replaces every occurrence of each secret in `text` with `(sensitive value)`,
 * in every form it may take (see action/mask.ts and terraformForms), and every
 * secret the step registered: the plan's text and error messages quote values
 * Terraform does not know are secret.
 */
export function maskText(text: string, secrets: readonly string[]): string {
  const all = [...new Set([...registeredSecrets(), ...secrets])];
  // The masker is built once per set of secrets: a drift run masks many texts with the same ones.
  const key = all.join('\u0000');
  if (maskerCache?.key !== key) {
    // Terraform's forms are searched as Terraform prints them. Those the step registered (maskTerraformValue)
    // are among the secrets too, but are not searched in forms of their own: base64 of a urlencode() is no
    // form Terraform prints, and those forms of forms would be a third of the needles of a large plan.
    const forms = new Set(all.flatMap(terraformForms));
    const mask = sharedTextMasker(
      all.filter((secret) => !forms.has(secret)),
      SENSITIVE_PLACEHOLDER,
      [...forms],
    );
    maskerCache = { key, mask };
  }
  return maskerCache.mask(text);
}
