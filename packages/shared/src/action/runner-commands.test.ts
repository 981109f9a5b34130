import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as toolkit from '@actions/core';
import { afterEach, beforeEach, expect, test } from 'vitest';
import * as commands from './runner-commands.ts';

// runner-commands.ts speaks the runner's protocol without @actions/core (whose
// OIDC client loads undici at every start). Each call here is made through
// both, and what reaches stdout and the file commands must be the same text,
// but for the random heredoc delimiters.

const FILES = ['OUTPUT', 'ENV', 'STATE', 'STEP_SUMMARY'] as const;
let dir: string;
let saved: NodeJS.ProcessEnv;

beforeEach(async () => {
  saved = { ...process.env };
  dir = await mkdtemp(path.join(tmpdir(), 'runner-commands-'));
});

afterEach(async () => {
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

type Api = Pick<
  typeof commands,
  | 'info'
  | 'debug'
  | 'notice'
  | 'warning'
  | 'error'
  | 'setSecret'
  | 'startGroup'
  | 'endGroup'
  | 'setOutput'
  | 'exportVariable'
  | 'saveState'
  | 'setFailed'
>;

/** What `use` writes through `api`: stdout, then each file command's file, delimiters replaced by one name. */
async function written(api: Api, use: (api: Api) => void): Promise<string[]> {
  for (const name of FILES) {
    const file = path.join(dir, name);
    await writeFile(file, '');
    process.env[`GITHUB_${name}`] = file;
  }
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
  const exitCode = process.exitCode;
  try {
    use(api);
  } finally {
    process.stdout.write = write;
    process.exitCode = exitCode;
  }
  const files = await Promise.all(FILES.map((name) => readFile(path.join(dir, name), 'utf8')));
  return [chunks.join(''), ...files].map((text) => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIMITER'));
}

const calls: [string, (api: Api) => void][] = [
  ['log lines and debug', (api) => (api.info('plain: %, \r and ::x::'), api.debug('a\nb %25'))],
  [
    'annotations with their properties escaped',
    (api) => {
      api.warning('line one\nline two', { title: 'T: a, b', file: 'infra/main.tf', startLine: 3, endLine: 4 });
      api.error(new Error('boom'), { startColumn: 2, endColumn: 9 });
      api.notice('noted');
    },
  ],
  ['a secret and a group', (api) => (api.setSecret('p%ss\nword'), api.startGroup('Plan: dev'), api.endGroup())],
  [
    'outputs, variables and state as heredocs',
    (api) => {
      api.setOutput('multi', 'line one\nline two with = and <<');
      api.setOutput('object', { a: [1, 2] });
      api.exportVariable('NAME', 'across\nlines');
      api.saveState('dirs', '["/tmp/a"]');
    },
  ],
  ['a failure', (api) => api.setFailed('Input tags is wrong')],
];

test.each(calls)('%s: the same text as @actions/core writes', async (_, use) => {
  const ours = await written(commands, use);
  const theirs = await written(toolkit, use);
  expect(ours).toEqual(theirs);
  expect(ours.join('')).not.toBe('');
});

test('setFailed sets exit code 1; getInput and getState read the runner variables', () => {
  const exitCode = process.exitCode;
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    commands.setFailed('no');
    expect(process.exitCode).toBe(1);
  } finally {
    process.stdout.write = write;
    process.exitCode = exitCode;
  }
  process.env['INPUT_MY_INPUT'] = '  value \n';
  expect(commands.getInput('my input')).toBe(toolkit.getInput('my input'));
  expect(commands.getInput('my input', { trimWhitespace: false })).toBe('  value \n');
  expect(() => commands.getInput('absent', { required: true })).toThrow('Input required and not supplied: absent');
  process.env['STATE_dirs'] = '["/tmp/a"]';
  expect(commands.getState('dirs')).toBe(toolkit.getState('dirs'));
});

test('the job summary is appended with a newline, and a missing file is an error', async () => {
  const file = path.join(dir, 'summary.md');
  await writeFile(file, '# Before\n');
  process.env.GITHUB_STEP_SUMMARY = file;
  commands.appendStepSummary('| a | b |');
  expect(await readFile(file, 'utf8')).toBe('# Before\n| a | b |\n');
  process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'missing.md');
  expect(() => commands.appendStepSummary('x')).toThrow('Unable to access summary file');
});
