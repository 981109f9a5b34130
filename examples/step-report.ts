import type { StepResult } from '../test/harness/run-action.ts';

// How the demo shows a step as it runs: a header, then its log line by line as
// a person reads it on GitHub (runAction's `onLine`), then its status and the
// outputs, which later steps use.

/** Longer output values (JSON documents) are cut in the report; the step's summary has them in full. */
const MAX_VALUE = 160;
const LOG_PREFIX = '  │ ';

export interface StepStream {
  /** For runAction's `onLine`: prints a line of the step's log as it arrives. */
  line(line: string, step: 'main' | 'post'): void;
  /** Prints the status line and the outputs. */
  end(main: StepResult, post?: StepResult): void;
}

/** Prints the step's header at once; `print` gets one line of text a call. */
export function streamStep(name: string, about: string, print: (line: string) => void): StepStream {
  print(`== ${name}: ${about}`);
  let inPost = false;
  return {
    line(line, step) {
      if (step === 'post' && !inPost) {
        inPost = true;
        print('  post step:');
      }
      print(`${LOG_PREFIX}${line}`);
    },
    end(main, post) {
      for (const line of stepEnd(name, main, post)) print(line);
    },
  };
}

/** How the step ended: `succeeded in 1.3 s`, `failed (exit 1) in 1.3 s`, `…; post step failed (exit 2)`. */
function stepOutcome(main: StepResult, post?: StepResult): string {
  return `${main.exitCode === 0 ? 'succeeded' : 'failed'} ${stepDetail(main, post)}`;
}

/** The outcome without its first word: `in 1.3 s`, `(exit 1) in 1.3 s`, `…; post step failed (exit 2)`. */
export function stepDetail(main: StepResult, post?: StepResult): string {
  const detail = `${main.exitCode === 0 ? '' : `${exitNote(main.exitCode)} `}in ${seconds(main.durationMs)}`;
  return post && post.exitCode !== 0 ? `${detail}; post step failed ${exitNote(post.exitCode)}` : detail;
}

function stepEnd(name: string, main: StepResult, post?: StepResult): string[] {
  const lines = [`  ${name} ${stepOutcome(main, post)}`];
  if (!Object.keys(main.outputs).length) return [...lines, '  outputs: none'];
  lines.push('  outputs:');
  for (const [output, value] of Object.entries(main.outputs)) {
    const [first = '', ...more] = value.split('\n');
    lines.push(`    ${output}: ${cut(first)}`);
    for (const line of more) lines.push(`    ${' '.repeat(output.length + 2)}${cut(line)}`);
  }
  return lines;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function exitNote(exitCode: number | null): string {
  return `(${exitCode === null ? 'killed' : `exit ${exitCode}`})`;
}

function cut(value: string): string {
  return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}… (${value.length} characters)` : value;
}
