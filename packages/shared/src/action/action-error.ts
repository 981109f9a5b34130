/**
 * A failure the user can fix: bad input, a missing file, a plan that changed.
 * The run wrapper reports it as one line, a `failure-reason` output and a job
 * summary, without a stack trace. Anything else that is thrown is a bug.
 */
export class ActionError extends Error {
  /** Machine-readable kebab-case reason, e.g. `invalid-input`, `plan-stale`. */
  readonly reason: string;

  constructor(message: string, reason: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ActionError';
    this.reason = reason;
  }
}

/** The error for an input the user set wrongly; names the input and the fix. */
export function invalidInput(name: string, problem: string): ActionError {
  return new ActionError(`Input '${name}' ${problem}`, 'invalid-input');
}
