import assert from 'node:assert/strict';
import { ActionError } from '@iac-actions/shared/action/action-error.ts';

/**
 * For `assert.throws`: the error is the invalid-input ActionError with exactly
 * this message (or one matching the pattern).
 */
export function invalidInputError(message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${String(error)}`);
    assert.equal(error.reason, 'invalid-input');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}
