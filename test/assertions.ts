import assert from 'node:assert/strict';
import { ActionError } from '@iac-actions/shared/action/action-error.ts';

/**
 * For `assert.throws` / `assert.rejects`: the error is an ActionError with
 * this failure reason and a message equal to the string, or matching every
 * pattern given.
 */
export function actionError(reason: string, ...messages: (string | RegExp)[]) {
  return (error: unknown) => {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    for (const message of messages) {
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
    }
    return true;
  };
}

/** The invalid-input ActionError with exactly this message (or one matching the pattern). */
export function invalidInputError(message: string | RegExp) {
  return actionError('invalid-input', message);
}
