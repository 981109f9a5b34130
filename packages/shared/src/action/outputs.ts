import * as core from '@actions/core';

export type OutputValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

/** Sets outputs; arrays and objects become JSON, booleans `true`/`false`. */
export function setOutputs(outputs: Record<string, OutputValue | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
