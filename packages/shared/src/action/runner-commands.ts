// The runner's workflow commands (`::name props::message` on stdout) and file
// commands (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_STEP_SUMMARY),
// written here rather than through @actions/core: its entry module imports its
// OIDC client, and with it @actions/http-client and undici (about a hundred
// modules), at load, and every step of every job paid for that at start-up
// although no action of the suite asks for an OIDC token. The protocol is
// GitHub's documented one ("Workflow commands for GitHub Actions"), encoded as
// @actions/core encodes it, so runner and toolkit read it the same way.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

/** Where an annotation points (as @actions/core's AnnotationProperties). */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

export interface InputOptions {
  required?: boolean;
  trimWhitespace?: boolean;
}

const commandValue = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

const escapeData = (value: unknown) =>
  commandValue(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

const escapeProperty = (value: unknown) => escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Writes one workflow command to stdout. */
function issueCommand(command: string, properties: Record<string, unknown>, message: unknown): void {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** Appends `name<<delimiter` … to the file a file command's variable names. */
function appendKeyValue(command: 'OUTPUT' | 'ENV' | 'STATE', name: string, value: unknown): boolean {
  const file = process.env[`GITHUB_${command}`];
  if (!file) return false;
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const text = commandValue(value);
  if (name.includes(delimiter) || text.includes(delimiter)) {
    throw new Error(`Unexpected input: ${name} holds the delimiter of its file command`);
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${text}${EOL}${delimiter}${EOL}`, 'utf8');
  return true;
}

const annotation = (properties: AnnotationProperties) => ({
  title: properties.title,
  file: properties.file,
  line: properties.startLine,
  endLine: properties.endLine,
  col: properties.startColumn,
  endColumn: properties.endColumn,
});

const messageOf = (message: string | Error) => (message instanceof Error ? message.toString() : message);

export const info = (message: string): void => void process.stdout.write(`${message}${EOL}`);
export const debug = (message: string): void => issueCommand('debug', {}, message);
export const notice = (message: string | Error, properties: AnnotationProperties = {}): void =>
  issueCommand('notice', annotation(properties), messageOf(message));
export const warning = (message: string | Error, properties: AnnotationProperties = {}): void =>
  issueCommand('warning', annotation(properties), messageOf(message));
export const error = (message: string | Error, properties: AnnotationProperties = {}): void =>
  issueCommand('error', annotation(properties), messageOf(message));

/** Registers a value the runner masks in the log from now on. */
export const setSecret = (secret: string): void => issueCommand('add-mask', {}, secret);

export const startGroup = (name: string): void => issueCommand('group', {}, name);
export const endGroup = (): void => issueCommand('endgroup', {}, '');

/** Runs `fn` inside a collapsible group of the log. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  startGroup(name);
  try {
    return await fn();
  } finally {
    endGroup();
  }
}

/** The value of input `name` (`INPUT_<NAME>`), trimmed unless asked not to. */
export function getInput(name: string, options: InputOptions = {}): string {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
  if (options.required && !value) throw new Error(`Input required and not supplied: ${name}`);
  return options.trimWhitespace === false ? value : value.trim();
}

export function setOutput(name: string, value: unknown): void {
  if (!appendKeyValue('OUTPUT', name, value)) {
    process.stdout.write(EOL);
    issueCommand('set-output', { name }, value);
  }
}

export function exportVariable(name: string, value: unknown): void {
  process.env[name] = commandValue(value);
  if (!appendKeyValue('ENV', name, value)) issueCommand('set-env', { name }, value);
}

/** Saves state for the action's post step, which reads it with getState. */
export function saveState(name: string, value: unknown): void {
  if (!appendKeyValue('STATE', name, value)) issueCommand('save-state', { name }, value);
}

export const getState = (name: string): string => process.env[`STATE_${name}`] ?? '';

/** Marks the step failed (exit code 1) with an error annotation. */
export function setFailed(message: string | Error): void {
  process.exitCode = 1;
  error(message);
}

/** Appends Markdown and a newline to the job summary file. */
export function appendStepSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY.');
  if (!existsSync(file)) throw new Error(`Unable to access summary file: '${file}'.`);
  appendFileSync(file, `${markdown}${EOL}`, 'utf8');
}
