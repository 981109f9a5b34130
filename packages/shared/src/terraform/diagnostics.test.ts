import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseWorkflowCommand } from '../../../../test/harness/file-commands.ts';
import {
  diagnosticAnnotation,
  diagnosticsMarkdown,
  repositoryPath,
  type DiagnosticLocation,
  type TerraformDiagnostic,
} from './diagnostics.ts';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';

/** Real `tofu validate -json` outputs. */
const VALIDATE_JSON = path.join(OPENTOFU_FIXTURES, 'validate-json') + path.sep;

interface ValidateOutput {
  valid: boolean;
  error_count: number;
  warning_count: number;
  diagnostics: TerraformDiagnostic[];
}

const fixtures = readdirSync(VALIDATE_JSON)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    output: JSON.parse(readFileSync(path.join(VALIDATE_JSON, file), 'utf8')) as ValidateOutput,
  }));

// The stack lives in infra/prod of the repository; the diagnostics name files relative to it.
const LOCATION: DiagnosticLocation = { workingDirectory: 'infra/prod', workspaceRoot: '/home/runner/work/repo/repo' };

describe('diagnosticAnnotation on every validate -json fixture', () => {
  it('covers fixtures with errors and without', () => {
    assert.ok(fixtures.some((f) => f.output.diagnostics.length > 1));
    assert.ok(fixtures.some((f) => f.output.valid));
  });

  for (const { file, output } of fixtures) {
    it(`${file}: one annotation per diagnostic, on the repository path and range it names`, () => {
      const annotations = output.diagnostics.map((d) => diagnosticAnnotation(d, LOCATION));
      assert.equal(annotations.filter((a) => a.level === 'error').length, output.error_count);
      assert.equal(annotations.filter((a) => a.level === 'warning').length, output.warning_count);
      output.diagnostics.forEach((d, i) => {
        const { message, properties } = annotations[i]!;
        assert.equal(properties.title, d.summary);
        assert.equal(message, d.detail);
        assert.equal(properties.file, `infra/prod/${d.range!.filename}`);
        assert.equal(properties.startLine, d.range!.start.line);
        assert.equal(properties.endLine, d.range!.end.line);
        assert.equal(properties.startColumn, d.range!.start.column);
        assert.ok(properties.endColumn! >= properties.startColumn!);
      });
    });
  }

  it('validate-invalid.json: the typo `resorce` is columns 1 to 7 of line 1', () => {
    const [diagnostic] = fixtures.find((f) => f.file === 'validate-invalid.json')!.output.diagnostics;
    assert.deepEqual(diagnosticAnnotation(diagnostic!, LOCATION), {
      level: 'error',
      message: 'Blocks of type "resorce" are not expected here. Did you mean "resource"?',
      properties: {
        title: 'Unsupported block type',
        file: 'infra/prod/testdata/validate-invalid/main.tf',
        startLine: 1,
        endLine: 1,
        startColumn: 1,
        endColumn: 7,
      },
    });
  });
});

describe('diagnosticAnnotation beyond the fixtures', () => {
  const base: TerraformDiagnostic = {
    severity: 'warning',
    summary: 'Deprecated attribute',
    detail: '',
    address: 'aws_s3_bucket.logs',
    range: { filename: 'main.tf', start: { line: 4, column: 3 }, end: { line: 7, column: 4 } },
  };

  it('leaves out columns for a range over several lines, and falls back to the summary and address', () => {
    assert.deepEqual(diagnosticAnnotation(base, LOCATION), {
      level: 'warning',
      message: 'Deprecated attribute\n(with aws_s3_bucket.logs)',
      properties: { title: 'Deprecated attribute', file: 'infra/prod/main.tf', startLine: 4, endLine: 7 },
    });
  });

  it('accepts an absolute working directory', () => {
    const absolute = { ...LOCATION, workingDirectory: '/home/runner/work/repo/repo/stacks/dns' };
    assert.equal(diagnosticAnnotation(base, absolute).properties.file, 'stacks/dns/main.tf');
  });

  it('puts no file on a diagnostic outside the repository or without a range', () => {
    const outside = { ...base, range: { ...base.range!, filename: '../../../../modules/vpc/main.tf' } };
    assert.equal(diagnosticAnnotation(outside, LOCATION).properties.file, undefined);
    assert.deepEqual(diagnosticAnnotation({ severity: 'error', summary: 'No configuration files' }, LOCATION), {
      level: 'error',
      message: 'No configuration files',
      properties: { title: 'No configuration files' },
    });
  });

  it('resolves module files below the working directory', () => {
    assert.equal(
      repositoryPath('.terraform/modules/vpc/main.tf', LOCATION),
      'infra/prod/.terraform/modules/vpc/main.tf',
    );
    assert.equal(repositoryPath('../shared/outputs.tf', LOCATION), 'infra/shared/outputs.tf');
  });
});

describe('diagnosticsMarkdown', () => {
  it('renders summary, file:line, the code and the detail', () => {
    const { diagnostics } = fixtures.find((f) => f.file === 'validate-invalid.json')!.output;
    assert.equal(
      diagnosticsMarkdown(diagnostics, LOCATION),
      [
        '❌ **Error:** Unsupported block type — `infra/prod/testdata/validate-invalid/main.tf:1`',
        '',
        '```hcl',
        'resorce "test_instance" "foo" { # Intentional typo to test error reporting',
        '```',
        '',
        'Blocks of type "resorce" are not expected here. Did you mean "resource"?',
      ].join('\n'),
    );
  });

  it('names the block a diagnostic is in and keeps every diagnostic', () => {
    const { diagnostics } = fixtures.find((f) => f.file === 'incorrectmodulename.json')!.output;
    const markdown = diagnosticsMarkdown(diagnostics, LOCATION);
    assert.equal(markdown.match(/❌ \*\*Error:\*\*/g)?.length, 3);
    assert.match(
      markdown,
      /Missing required argument — `infra\/prod\/testdata\/validate-invalid\/incorrectmodulename\/main.tf:1`, in `module "super#module"`/,
    );
    assert.match(markdown, /```hcl\n {2}source = var.modulename\n```/);
  });

  it('is empty for a valid configuration', () => {
    assert.equal(diagnosticsMarkdown([], LOCATION), '');
  });

  it('keeps user text from turning into markup', () => {
    const markdown = diagnosticsMarkdown(
      [
        {
          severity: 'warning',
          summary: 'Value for <b>*bold*</b>',
          detail: 'Run `rm -rf` [here](http://x)',
          snippet: {
            context: null,
            code: 'x = "```"',
            start_line: 1,
            highlight_start_offset: 0,
            highlight_end_offset: 1,
          },
        },
      ],
      LOCATION,
    );
    assert.match(markdown, /^⚠️ \*\*Warning:\*\* Value for &lt;b&gt;\\\*bold\\\*&lt;\/b&gt;$/m);
    assert.match(markdown, /^Run \\`rm -rf\\` \\\[here\\\]\(http:\/\/x\)$/m);
    assert.match(markdown, /^````hcl\nx = "```"\n````$/m);
  });
});

describe('reportDiagnostics', () => {
  it('annotates each diagnostic through the runner and returns the Markdown', async () => {
    const module = fileURLToPath(new URL('./diagnostics.ts', import.meta.url));
    const { diagnostics } = fixtures.find((f) => f.file === 'outputs.json')!.output;
    const script = `
      const { reportDiagnostics } = await import(${JSON.stringify(module)});
      const markdown = reportDiagnostics(${JSON.stringify(diagnostics)}, ${JSON.stringify(LOCATION)});
      console.log('MARKDOWN ' + JSON.stringify(markdown));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    const lines = stdout.trim().split('\n');
    const commands = lines.map(parseWorkflowCommand).filter((c) => c !== undefined);
    assert.deepEqual(commands, [
      {
        command: 'error',
        properties: {
          title: 'Missing required argument',
          file: 'infra/prod/testdata/validate-invalid/outputs/main.tf',
          line: '1',
          endLine: '1',
          col: '18',
          endColumn: '18',
        },
        message: 'The argument "value" is required, but no definition was found.',
      },
      {
        command: 'error',
        properties: {
          title: 'Unsupported argument',
          file: 'infra/prod/testdata/validate-invalid/outputs/main.tf',
          line: '2',
          endLine: '2',
          col: '3',
          endColumn: '8',
        },
        message: 'An argument named "values" is not expected here. Did you mean "value"?',
      },
    ]);
    const markdown = JSON.parse(lines.at(-1)!.replace(/^MARKDOWN /, '')) as string;
    assert.equal(markdown, diagnosticsMarkdown(diagnostics, LOCATION));
  });
});
