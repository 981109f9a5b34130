import * as core from './runner-commands.ts';
import { redact } from './mask.ts';

export type OutputValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

/**
 * Sets outputs; arrays and objects become JSON, booleans `true`/`false`.
 * Registered secrets are masked: an output is read by later steps, job
 * outputs and other workflows, where the runner's mask does not follow it.
 */
export function setOutputs(outputs: Record<string, OutputValue | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, redact(typeof value === 'object' ? JSON.stringify(value) : String(value)));
  }
}
