import { markdownTable } from '../action/summary.ts';
import type { TerraformOutput } from './cli.ts';
import type { TerraformTool } from './install.ts';
import { fence, stackTitle } from './plan-markdown.ts';
import { toolDisplayName } from './release-index.ts';

// What tf-outputs tells people in the job summary: each output's name and
// type, the value of the public ones, and which were left out as secrets —
// never their values.

export interface OutputsReport {
  tool: TerraformTool;
  toolVersion?: string;
  workingDirectory: string;
  workspace: string;
  /** The public outputs. */
  outputs: Record<string, TerraformOutput>;
  /** The outputs left out (sensitive, or named like a secret): names and types, never values. */
  sensitive: { name: string; type: unknown }[];
  failure?: { reason: string; message: string };
}

/** The longest value shown in a table cell; `outputs-json` has the whole value. */
const MAX_VALUE = 200;

export function renderOutputsSummary(report: OutputsReport): string {
  const version = report.toolVersion ? ` (${toolDisplayName(report.tool)} ${report.toolVersion})` : '';
  const title = `## ${toolDisplayName(report.tool)} outputs of ${stackTitle({ ...report, label: '' })}${version}`;
  if (report.failure) {
    return `${title}\n\n**❌ Could not read the outputs** (\`${report.failure.reason}\`).\n\n${fence(report.failure.message)}\n`;
  }
  const rows = [
    ...Object.entries(report.outputs).map(([name, output]) => [
      `\`${name}\``,
      `\`${typeExpression(output.type)}\``,
      shorten(JSON.stringify(output.value) ?? 'null'),
    ]),
    ...report.sensitive.map(({ name, type }) => [
      `\`${name}\``,
      `\`${typeExpression(type)}\``,
      '🔒 secret: left out of `outputs-json`, masked',
    ]),
  ];
  if (!rows.length) return `${title}\n\nThe stack has no outputs: it declares none, or it was never applied.\n`;
  return `${title}\n\n${markdownTable(['output', 'type', 'value'], rows)}\n`;
}

/**
 * A type as `terraform output -json` describes it (`"string"`,
 * `["list","string"]`, `["object",{"port":"number"}]`) in the HCL syntax
 * people write it in: `list(string)`, `object({ port = number })`.
 */
export function typeExpression(type: unknown): string {
  if (typeof type === 'string') return type;
  if (!Array.isArray(type) || typeof type[0] !== 'string') return 'any';
  const [kind, inner] = type as [string, unknown];
  switch (kind) {
    case 'list':
    case 'set':
    case 'map':
      return `${kind}(${typeExpression(inner)})`;
    case 'tuple':
      return `tuple([${(Array.isArray(inner) ? inner : []).map(typeExpression).join(', ')}])`;
    case 'object': {
      const attributes = Object.entries((inner ?? {}) as Record<string, unknown>);
      if (!attributes.length) return 'object({})';
      return `object({ ${attributes.map(([name, t]) => `${name} = ${typeExpression(t)}`).join(', ')} })`;
    }
    default:
      return kind;
  }
}

function shorten(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}
