import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ArtifactServiceFake, ArtifactJob } from '../fakes/artifact-service.ts';
import type { GitHubApiFake } from '../fakes/github-api.ts';
import type { ActionRun } from '../harness/run-action.ts';
import type { Secret } from './corpus.ts';
import { leaks, needlesOf } from './leaks.ts';
import type { RecordedCall } from './recorder.ts';

// The channels through which a secret could leave a step, each as named
// texts: what a person or a later step can read (the log as the runner shows
// it, outputs, the job summary, exported env), what was sent to GitHub and to
// webhooks, the artifacts stored, the files left on the runner after post, and
// what child processes were given (command lines, environments).

export interface Channel {
  /** e.g. `log (main)`, `output tf-apply.outputs-json`, `POST /repos/o/r/issues/1/comments`, `artifact plan-x/plan.txt`. */
  name: string;
  text: string;
}

/** A place a secret may legitimately be, with the reason it is there. */
export interface Allowance {
  /** The secret's id. */
  secret: string;
  /** Channel names it is allowed in. */
  channel: RegExp;
  why: string;
}

export interface Leak {
  secret: string;
  channel: string;
  forms: string[];
  /** A little of the text around the first form found, that form replaced by «SECRET». */
  context: string;
}

/** Every form of every secret in every channel, less the allowed places. */
export function findLeaks(
  channels: readonly Channel[],
  secrets: readonly Secret[],
  allowed: readonly Allowance[] = [],
): Leak[] {
  const found: Leak[] = [];
  for (const channel of channels) {
    for (const secret of secrets) {
      if (allowed.some((a) => a.secret === secret.id && a.channel.test(channel.name))) continue;
      const forms = leaks(channel.text, secret);
      if (forms.length)
        found.push({ secret: secret.id, channel: channel.name, forms, context: around(channel.text, secret) });
    }
  }
  return found;
}

function around(text: string, secret: Secret): string {
  const needle = needlesOf(secret).find((n) => text.includes(n.text));
  if (!needle) return '';
  const at = text.indexOf(needle.text);
  return text
    .slice(Math.max(0, at - 80), at + needle.text.length + 40)
    .split(needle.text)
    .join('«SECRET»')
    .replace(/\s+/g, ' ');
}

/** One line per leak, for an assertion message. */
export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map((l) => `${l.secret} in ${l.channel} [${l.forms.join(', ')}]: …${l.context}…`).join('\n');
}

/** What a person or a later step reads of a run: the logs, outputs, summaries and exported env of main and post. */
export function stepChannels(run: ActionRun, label: string): Channel[] {
  const channels: Channel[] = [];
  for (const [step, result] of [
    ['main', run.main],
    ['post', run.post],
  ] as const) {
    if (!result) continue;
    channels.push({ name: `${label} log (${step})`, text: result.log });
    channels.push({ name: `${label} summary (${step})`, text: result.summary });
    for (const [name, value] of Object.entries(result.outputs)) {
      channels.push({ name: `${label} output ${name} (${step})`, text: value });
    }
    for (const [name, value] of Object.entries(result.env)) {
      channels.push({ name: `${label} exported env ${name} (${step})`, text: value });
    }
  }
  return channels;
}

/** Every request the GitHub API fake received: its path, query and body (JSON as sent, and each string in it). */
export function githubChannels(github: GitHubApiFake, from = 0): Channel[] {
  return github.requests.slice(from).map((request) => ({
    name: `GitHub API ${request.method} ${request.path}`,
    text: [
      request.path,
      JSON.stringify(request.query),
      typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null),
      ...stringLeaves(request.body),
    ].join('\n'),
  }));
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}

/** A webhook receiver's requests: path and body. */
export function webhookChannels(requests: readonly { path: string; body: string }[]): Channel[] {
  return requests.map((r, i) => ({
    name: `webhook body #${i + 1}`,
    text: [r.body, ...safeJsonLeaves(r.body)].join('\n'),
  }));
}

function safeJsonLeaves(text: string): string[] {
  try {
    return stringLeaves(JSON.parse(text));
  } catch {
    return [];
  }
}

/** Every file of every artifact the job's run stored (finalized or not), unzipped. */
export async function artifactChannels(artifacts: ArtifactServiceFake, job?: ArtifactJob): Promise<Channel[]> {
  const channels: Channel[] = [];
  for (const artifact of artifacts.artifacts(job)) {
    if (!artifact.content) continue;
    const dir = await mkdtemp(path.join(tmpdir(), 'adv-artifact-'));
    try {
      const zip = path.join(dir, 'artifact.zip');
      await writeFile(zip, artifact.content);
      await promisify(execFile)('unzip', ['-q', '-o', zip, '-d', path.join(dir, 'files')]);
      for (const file of await filesUnder(path.join(dir, 'files'))) {
        channels.push({ name: `artifact ${artifact.name}/${file.relative}`, text: file.text });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return channels;
}

/** Regular files under `root` (not following symlinks), read as latin1 so that binary files are searched byte for byte too. */
export async function filesUnder(
  root: string,
  options: { skip?: (relative: string) => boolean; maxBytes?: number; maxFiles?: number } = {},
): Promise<{ relative: string; text: string; mtimeMs: number }[]> {
  const files: { relative: string; text: string; mtimeMs: number }[] = [];
  let entries: string[];
  try {
    entries = (await readdir(root, { recursive: true })).map(String);
  } catch {
    return files;
  }
  // Another process's big tree (an engine's data root) is not this run's.
  if (options.maxFiles !== undefined && entries.length > options.maxFiles) return files;
  for (const relative of entries) {
    if (options.skip?.(relative)) continue;
    const file = path.join(root, relative);
    const stat = await lstat(file).catch(() => undefined);
    if (!stat?.isFile() || stat.size > (options.maxBytes ?? 8 * 1024 * 1024)) continue;
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes) files.push({ relative, text: decodeBoth(bytes), mtimeMs: stat.mtimeMs });
  }
  return files;
}

/** UTF-8 (what text files are) and latin1 (byte for byte: a secret in a binary file), both. */
function decodeBoth(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\uFFFD') ? `${utf8}\n${bytes.toString('latin1')}` : utf8;
}

export interface Snapshot {
  root: string;
  /** relative path → mtime and size */
  files: Map<string, string>;
}

/** The files under `root` and their mtime and size, to tell afterwards which are new or changed. */
export async function snapshot(root: string): Promise<Snapshot> {
  const files = new Map<string, string>();
  for (const relative of (await readdir(root, { recursive: true }).catch(() => [])).map(String)) {
    const stat = await lstat(path.join(root, relative)).catch(() => undefined);
    if (stat?.isFile()) files.set(relative, `${stat.mtimeMs}:${stat.size}`);
  }
  return { root, files };
}

/** The files under a snapshot's root that are new or changed since it was taken. */
export async function changedFiles(before: Snapshot, label: string): Promise<Channel[]> {
  const files = await filesUnder(before.root);
  const channels: Channel[] = [];
  for (const file of files) {
    const stat = await lstat(path.join(before.root, file.relative)).catch(() => undefined);
    if (stat && before.files.get(file.relative) === `${stat.mtimeMs}:${stat.size}`) continue;
    channels.push({ name: `file left in ${label}: ${file.relative}`, text: file.text });
  }
  return channels;
}

/** Every file under a directory (RUNNER_TEMP, HOME of the step: fresh for each run). */
export async function allFiles(root: string, label: string): Promise<Channel[]> {
  return (await filesUnder(root)).map((file) => ({ name: `file left in ${label}: ${file.relative}`, text: file.text }));
}

/** The entries of /tmp (the step's os.tmpdir()), to find those a run adds. */
export async function tmpEntries(): Promise<Set<string>> {
  return new Set((await readdir(tmpdir())).map(String));
}

/**
 * Files a run left in /tmp: every entry that was not there before it (other
 * test processes add some meanwhile: they cannot hold this file's random
 * secrets), but the run's own harness directory, whose parts are channels of
 * their own, and the directories the test itself made (`ownDirs`).
 */
export async function tmpChannels(before: Set<string>, ownDirs: readonly string[]): Promise<Channel[]> {
  const channels: Channel[] = [];
  const own = new Set(ownDirs.map((d) => path.resolve(d)));
  for (const entry of await readdir(tmpdir())) {
    const full = path.join(tmpdir(), entry);
    if (before.has(entry) || own.has(full)) continue;
    const stat = await lstat(full).catch(() => undefined);
    if (!stat) continue;
    if (stat.isFile()) {
      const text = await readFile(full).catch(() => undefined);
      if (text) channels.push({ name: `file left in /tmp: ${entry}`, text: decodeBoth(text) });
    } else if (stat.isDirectory()) {
      for (const file of await filesUnder(full, { maxFiles: 5_000 })) {
        channels.push({ name: `file left in /tmp: ${entry}/${file.relative}`, text: file.text });
      }
    }
  }
  return channels;
}

/** The command line and each environment variable of every recorded child process. */
export function childChannels(calls: readonly RecordedCall[]): Channel[] {
  return calls.flatMap((call) => [
    { name: `command line of ${call.program}`, text: call.argv.join(' ') },
    ...Object.entries(call.env).map(([name, value]) => ({
      name: `environment of ${call.program}: ${name}`,
      text: value,
    })),
  ]);
}

/** The names of the variables a child must never get: the step's inputs and runtime token. */
export function forbiddenChildVariables(calls: readonly RecordedCall[]): string[] {
  return [
    ...new Set(
      calls.flatMap((call) =>
        Object.keys(call.env)
          .filter((name) => name.startsWith('INPUT_') || name === 'ACTIONS_RUNTIME_TOKEN')
          .map((name) => `${call.program}: ${name}`),
      ),
    ),
  ];
}
