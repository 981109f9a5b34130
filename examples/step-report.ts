import type { StepResult } from '../test/harness/run-action.ts';

// How the demo shows a step: its log as a person reads it on GitHub, then its
// outputs, which later steps use.

/** Longer output values (JSON documents) are cut in the report; the step's summary has them in full. */
const MAX_VALUE = 160;

export function stepReport(name: string, main: StepResult, post?: StepResult): string {
  const lines = [
    `== ${name}: ${main.exitCode === 0 ? 'succeeded' : `failed (exit ${main.exitCode})`} in ${seconds(main.durationMs)}`,
  ];
  lines.push(...indent(main.log.trimEnd(), '  │ '));
  if (post) {
    lines.push(`  post step: ${post.exitCode === 0 ? 'succeeded' : `failed (exit ${post.exitCode})`}`);
    if (post.exitCode !== 0) lines.push(...indent(post.log.trimEnd(), '  │ '));
  }
  lines.push('  outputs:');
  for (const [output, value] of Object.entries(main.outputs)) {
    const [first = '', ...more] = value.split('\n');
    lines.push(`    ${output}: ${cut(first)}`);
    for (const line of more) lines.push(`    ${' '.repeat(output.length + 2)}${cut(line)}`);
  }
  return lines.join('\n');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function cut(value: string): string {
  return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}… (${value.length} characters)` : value;
}

function indent(text: string, prefix: string): string[] {
  return text ? text.split('\n').map((line) => `${prefix}${line}`) : [];
}
