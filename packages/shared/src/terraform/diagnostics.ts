import * as core from '../action/runner-commands.ts';
import path from 'node:path';
import { fence } from './plan-markdown.ts';

// Terraform's JSON diagnostics (`validate -json`, the `-json` UI stream of
// plan/apply; the same in OpenTofu) as GitHub annotations on the file and line
// they point at, and as Markdown for a comment or the job summary. The
// mapping is pure; reportDiagnostics is the thin part that talks to the runner.

export interface DiagnosticPosition {
  line: number;
  column: number;
  byte?: number;
}

export interface TerraformDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  /** The resource instance it concerns, e.g. `aws_instance.web[0]`. */
  address?: string;
  /** `filename` is relative to the working directory Terraform ran in. */
  range?: { filename: string; start: DiagnosticPosition; end: DiagnosticPosition };
  snippet?: {
    context: string | null;
    code: string;
    start_line: number;
    highlight_start_offset: number;
    highlight_end_offset: number;
    values?: { traversal: string; statement: string }[];
  };
}

export interface DiagnosticLocation {
  /** Where Terraform ran: absolute, or relative to workspaceRoot. */
  workingDirectory: string;
  /** The repository checkout (GITHUB_WORKSPACE); annotation paths are relative to it. */
  workspaceRoot: string;
}

export interface DiagnosticAnnotation {
  level: 'error' | 'warning';
  message: string;
  properties: core.AnnotationProperties;
}

/**
 * The repository-relative path of a diagnostic's file, with `/` separators,
 * or undefined when it lies outside the repository (GitHub cannot annotate it).
 */
export function repositoryPath(filename: string, location: DiagnosticLocation): string | undefined {
  const absolute = path.resolve(location.workspaceRoot, location.workingDirectory, filename);
  const relative = path.relative(path.resolve(location.workspaceRoot), absolute);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

export function diagnosticAnnotation(
  diagnostic: TerraformDiagnostic,
  location: DiagnosticLocation,
): DiagnosticAnnotation {
  const properties: core.AnnotationProperties = { title: diagnostic.summary };
  const range = diagnostic.range;
  const file = range && repositoryPath(range.filename, location);
  if (range && file) {
    properties.file = file;
    properties.startLine = range.start.line;
    properties.endLine = range.end.line;
    // GitHub takes columns only for a one-line range. HCL's end column is
    // exclusive; GitHub's is the last highlighted column.
    if (range.start.line === range.end.line) {
      properties.startColumn = range.start.column;
      properties.endColumn = Math.max(range.start.column, range.end.column - 1);
    }
  }
  const lines = [diagnostic.detail?.trim() || diagnostic.summary];
  if (diagnostic.address) lines.push(`(with ${diagnostic.address})`);
  return { level: diagnostic.severity === 'warning' ? 'warning' : 'error', message: lines.join('\n'), properties };
}

/** Each diagnostic as a Markdown block: severity and summary, file:line, the code it points at, the detail. */
export function diagnosticsMarkdown(diagnostics: readonly TerraformDiagnostic[], location: DiagnosticLocation): string {
  return diagnostics.map((d) => diagnosticMarkdown(d, location)).join('\n\n');
}

function diagnosticMarkdown(diagnostic: TerraformDiagnostic, location: DiagnosticLocation): string {
  const icon = diagnostic.severity === 'warning' ? '⚠️ **Warning:**' : '❌ **Error:**';
  const where: string[] = [];
  if (diagnostic.range) {
    const file = repositoryPath(diagnostic.range.filename, location) ?? diagnostic.range.filename;
    where.push(code(`${file}:${diagnostic.range.start.line}`));
  }
  if (diagnostic.snippet?.context) where.push(`in ${code(diagnostic.snippet.context)}`);
  if (diagnostic.address) where.push(`with ${code(diagnostic.address)}`);
  const parts = [`${icon} ${inline(diagnostic.summary)}${where.length ? ` — ${where.join(', ')}` : ''}`];
  if (diagnostic.snippet?.code) parts.push(fence(diagnostic.snippet.code, 'hcl'));
  if (diagnostic.detail?.trim()) parts.push(inline(diagnostic.detail.trim()));
  return parts.join('\n\n');
}

/**
 * Annotates each diagnostic on its file and line, and returns the Markdown of
 * them all for a comment or the job summary.
 */
export function reportDiagnostics(diagnostics: readonly TerraformDiagnostic[], location: DiagnosticLocation): string {
  for (const diagnostic of diagnostics) {
    const annotation = diagnosticAnnotation(diagnostic, location);
    if (annotation.level === 'warning') core.warning(annotation.message, annotation.properties);
    else core.error(annotation.message, annotation.properties);
  }
  return diagnosticsMarkdown(diagnostics, location);
}

// Terraform texts quote user names and values; they must not turn into markup.
function inline(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([`*_[\]#|~])/g, '\\$1');
}

function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return longest ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}
