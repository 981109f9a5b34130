import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/run-action.ts';

// The callers the documentation shows are the callers the workflow tier runs
// (issue 14: "the README's caller snippets are copied from files the workflow
// tier runs"). A ```yaml block of README.md or docs/workflows.md whose first
// line is the comment `# examples/.github/workflows/<file>.yml` is a copy of
// that file of the reference repository — which the scenarios of
// test/workflows/scenarios/ commit to the test repository and run.
//
// The rule, line for line: the block's lines after that first comment line
// are the file's lines, or a contiguous excerpt of them — lines may be left
// off the start and the end, never in the middle, and none may differ (not
// even in indentation or trailing spaces). The whole file is the longest
// excerpt. So whatever a reader copies runs, in that order, in a tested file.
//
// And no caller goes undocumented or untested: a ```yaml block that calls a
// reusable workflow of the suite (`uses: <owner>/iac-actions/.github/workflows/…`)
// must carry such a first line, and there is at least one block for each of
// terraform.yml, deploy.yml and drift.yml.

const DOCUMENTS = ['README.md', 'docs/workflows.md'];
const CALLERS_DIR = 'examples/.github/workflows';
const REQUIRED = ['terraform.yml', 'deploy.yml', 'drift.yml'];
const HEADER = /^# (examples\/\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml)\s*$/;
const CALLS_A_SUITE_WORKFLOW = /^\s*(?:-\s+)?uses:\s*[^\s/]+\/iac-actions\/\.github\/workflows\//m;

interface YamlBlock {
  document: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's lines, without the fence's indentation. */
  lines: string[];
}

/** The fenced ```yaml (or ```yml) blocks of a Markdown text, also those indented in a list. */
function yamlBlocks(document: string, text: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3}(?: *[-*] +| *\d+\. +)?)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const fence = open[2]!;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (/^ya?ml$/i.test(open[3]!)) {
      const body = lines.slice(i + 1, end).map((l) => (l.slice(0, indent).trim() === '' ? l.slice(indent) : l));
      blocks.push({ document, line: i + 1, lines: body });
    }
    i = end;
  }
  return blocks;
}

/** Where `excerpt` runs contiguously in `lines` (0-based), or -1. */
function excerptAt(lines: readonly string[], excerpt: readonly string[]): number {
  if (excerpt.length === 0 || excerpt.length > lines.length) return -1;
  for (let start = 0; start + excerpt.length <= lines.length; start++) {
    if (excerpt.every((line, k) => lines[start + k] === line)) return start;
  }
  return -1;
}

/** A file's lines, without the empty one after its final line break. */
const linesOf = (text: string) => text.replace(/\n$/, '').split('\n');

async function allBlocks(): Promise<YamlBlock[]> {
  const blocks: YamlBlock[] = [];
  for (const document of DOCUMENTS) {
    blocks.push(...yamlBlocks(document, await readFile(path.join(REPO_ROOT, document), 'utf8')));
  }
  return blocks;
}

describe('the callers in README.md and docs/workflows.md are the reference repository’s, line for line', async () => {
  const blocks = await allBlocks();
  const copies = blocks.flatMap((block) => {
    const file = HEADER.exec(block.lines[0] ?? '')?.[1];
    return file ? [{ ...block, file }] : [];
  });

  it('has a copy of each of terraform.yml, deploy.yml and drift.yml', () => {
    const shown = new Set(copies.map((c) => path.basename(c.file)));
    expect(REQUIRED.filter((name) => !shown.has(name))).toEqual([]);
  });

  it('every block that calls a reusable workflow of the suite names the caller it is copied from', () => {
    const unnamed = blocks
      .filter((b) => CALLS_A_SUITE_WORKFLOW.test(b.lines.join('\n')) && !HEADER.test(b.lines[0] ?? ''))
      .map((b) => `${b.document}:${b.line}`);
    expect(unnamed, `blocks without a first line '# ${CALLERS_DIR}/<file>.yml'`).toEqual([]);
  });

  for (const copy of copies) {
    it(`${copy.document}:${copy.line} is ${copy.file} or a contiguous excerpt of it`, async () => {
      const source = path.join(REPO_ROOT, copy.file);
      expect(existsSync(source), `${copy.file} does not exist`).toBe(true);
      const fileLines = linesOf(await readFile(source, 'utf8'));
      const excerpt = copy.lines.slice(1);
      // Blank lines before the closing fence are Markdown's, not the file's.
      while (excerpt.length > 0 && excerpt.at(-1)!.trim() === '') excerpt.pop();
      expect(excerpt.length, 'the block holds nothing after its first line').toBeGreaterThan(0);
      if (excerptAt(fileLines, excerpt) !== -1) return;
      // Not found: show the first line that differs from the file, from where the block's first line is.
      const start = Math.max(0, fileLines.indexOf(excerpt[0]!));
      const at = excerpt.findIndex((line, k) => fileLines[start + k] !== line);
      expect(
        { line: copy.line + 2 + at, block: excerpt[at] },
        `${copy.document} differs from ${copy.file} (from its line ${start + 1}); copy the file again`,
      ).toEqual({ line: copy.line + 2 + at, block: fileLines[start + at] });
    });
  }
});

describe('the rule itself', () => {
  it('finds yaml blocks, also indented ones, and nothing else', () => {
    const text = [
      '# t',
      '```yaml',
      'a: 1',
      '```',
      '```sh',
      'echo',
      '```',
      '- item',
      '  ```yml',
      '  b: 2',
      '  ```',
    ].join('\n');
    expect(yamlBlocks('x.md', text).map((b) => b.lines)).toEqual([['a: 1'], ['b: 2']]);
  });

  it('takes the whole file and contiguous excerpts, not a block with a line left out or changed', () => {
    const file = ['a', 'b', 'c', 'd'];
    expect(excerptAt(file, file)).toBe(0);
    expect(excerptAt(file, ['b', 'c'])).toBe(1);
    expect(excerptAt(file, ['a', 'c'])).toBe(-1);
    expect(excerptAt(file, ['b', ' c'])).toBe(-1);
    expect(excerptAt(file, [...file, 'e'])).toBe(-1);
    expect(excerptAt(file, [])).toBe(-1);
  });
});
