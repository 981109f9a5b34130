// Generates the inputs/outputs reference of each action's README from its
// action.yml, between the reference markers. `--check` fails when a README is
// stale instead of writing it. Action names given as arguments do only those
// (`npm run docs -- tf-apply`).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Prettier would realign the tables the generator writes; it leaves them alone.
const START = '<!-- reference:start (generated from action.yml by `npm run docs`) -->\n<!-- prettier-ignore-start -->';
const END = '<!-- prettier-ignore-end -->\n<!-- reference:end -->';

interface Manifest {
  inputs?: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs?: Record<string, { description: string }>;
}

const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

export function renderReference(manifest: Manifest): string {
  const inputs = Object.entries(manifest.inputs ?? {}).map(
    ([name, i]) =>
      `| \`${name}\` | ${cell(i.description)} | ${i.default ? `\`${cell(i.default)}\`` : ''} | ${i.required ? 'yes' : 'no'} |`,
  );
  const outputs = Object.entries(manifest.outputs ?? {}).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`);
  return [
    START,
    '### Inputs',
    '',
    '| name | description | default | required |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '### Outputs',
    '',
    '| name | description |',
    '| --- | --- |',
    ...outputs,
    END,
  ].join('\n');
}

/** The README of `action` with a fresh reference; throws when it has no markers. */
export async function freshReadme(action: string): Promise<{ file: string; current: string; fresh: string }> {
  const dir = path.join(root, 'actions', action);
  const manifest = parseYaml(await readFile(path.join(dir, 'action.yml'), 'utf8')) as Manifest;
  const file = path.join(dir, 'README.md');
  const current = await readFile(file, 'utf8');
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no reference markers`);
  return {
    file,
    current,
    fresh: current.slice(0, start) + renderReference(manifest) + current.slice(end + END.length),
  };
}

export async function listActions(): Promise<string[]> {
  return (await readdir(path.join(root, 'actions'))).sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  let stale = 0;
  for (const action of (await listActions()).filter((name) => !only.length || only.includes(name))) {
    const { file, current, fresh } = await freshReadme(action);
    if (current === fresh) continue;
    if (check) {
      console.error(`${path.relative(root, file)} is stale: run \`npm run docs\``);
      stale++;
    } else {
      await writeFile(file, fresh);
      console.log(`updated ${path.relative(root, file)}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
