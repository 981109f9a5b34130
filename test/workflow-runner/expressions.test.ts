import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { conditionOf, evaluateExpression, evaluateTemplate, hashFiles } from './expressions.ts';
import { workflowParser } from './parser.ts';

// "Evaluate expressions in workflows and actions": literals, operators,
// functions, and what the runner adds (hashFiles).

async function runScalar(yaml: string): Promise<unknown> {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await workflowParser();
  const content = `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ${yaml}\n`;
  const parsed = parseWorkflow({ name: 'a.yml', content }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
  const step = (template.jobs[0] as { steps: { run: Parameters<typeof evaluateTemplate>[0] }[] }).steps[0]!;
  return evaluateTemplate(step.run, { contexts: { github: { ref: 'refs/heads/main' } } });
}

describe('expressions', () => {
  test("string literals: '' is a quote, wherever it is", () => {
    // "You don't need to enclose strings in ${{ and }}. ... escape single quotes with another single quote."
    expect(evaluateExpression("format('{0} it''s ''quoted'' {1}', 'a', 'b''c')", { contexts: {} })).toBe(
      "a it's 'quoted' b'c",
    );
  });

  test('a multi-line scalar with expressions evaluates to its YAML value, expressions filled in', async () => {
    // The value GitHub runs is the scalar's value: block indentation removed, folding applied.
    expect(await runScalar('|\n          cat <<EOF\n          ${{ github.ref }} {x}\n          EOF')).toBe(
      'cat <<EOF\nrefs/heads/main {x}\nEOF\n',
    );
    expect(await runScalar('>-\n          a ${{ github.ref }}\n          b')).toBe('a refs/heads/main b');
    expect(await runScalar("echo '${{ github.ref }}'")).toBe("echo 'refs/heads/main'");
  });

  test('a multi-line `if:` is the condition of its folded value, with success() when it calls no status function', async () => {
    // "if: … You can use an expression … you must use ${{ }} syntax if the expression starts with !"; the value of a
    // folded block scalar is its lines joined: `if: >-` over two lines is one condition, not a non-empty string.
    const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await workflowParser();
    const job = (condition: string) =>
      `  j${condition.length}:\n    runs-on: x\n    if: >-\n${condition.replace(/^/gm, '      ')}\n    steps: [{ run: echo }]\n`;
    const conditions = [
      "${{ !cancelled() && (inputs.x != '' ||\ninputs.y != '') }}",
      "${{ inputs.x != '' ||\ninputs.y != '' }}",
    ];
    const content = `on: push\njobs:\n${conditions.map(job).join('')}`;
    const parsed = parseWorkflow({ name: 'a.yml', content }, new NoOperationTraceWriter());
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    const ifs = (template.jobs as unknown as { if: Parameters<typeof conditionOf>[0] }[]).map((j) => conditionOf(j.if));
    expect(ifs).toEqual([
      "!cancelled() && (inputs.x != '' || inputs.y != '')",
      "success() && (inputs.x != '' || inputs.y != '')",
    ]);
  });

  test('hashFiles: one hash of the matching files, empty when none match', async () => {
    // "hashFiles: Returns a single hash for the set of files that matches the path pattern ...
    // If the path pattern does not match any files, this returns an empty string."
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-'));
    try {
      await mkdir(path.join(dir, 'infra'));
      await writeFile(path.join(dir, 'infra', 'a.tf'), 'a');
      await writeFile(path.join(dir, 'infra', 'b.tf'), 'b');
      await writeFile(path.join(dir, 'infra', 'c.md'), 'c');
      const sha = (text: string) => createHash('sha256').update(text).digest();
      const expected = createHash('sha256').update(sha('a')).update(sha('b')).digest('hex');
      expect(hashFiles(dir, ['**/*.tf'])).toBe(expected);
      expect(hashFiles(dir, ['infra/**', '!**/*.md'])).toBe(expected);
      expect(evaluateExpression("hashFiles('**/*.go')", { contexts: {}, workspace: dir })).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
