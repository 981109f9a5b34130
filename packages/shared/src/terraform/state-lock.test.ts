import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { describeStateLock, parseStateLockError } from './state-lock.ts';

// The texts follow Terraform's templates exactly (clistate.LockErrorMessage
// around statemgr.LockError, LockInfo.String()); only the values are ours.

const LOCK_INFO = `Lock Info:
  ID:        f3c2b1a0-7d6e-5f4c-3b2a-190817263544
  Path:      acme-tf-state/network/prod.tfstate
  Operation: OperationTypeApply
  Who:       runner@fv-az512-7
  Version:   1.9.8
  Created:   2025-03-04 17:22:04.046394 +0000 UTC
  Info:      
`;

const TRAILER = `Terraform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the "-lock=false"
flag, but this is not recommended.`;

/** `-no-color`: format.DiagnosticPlain. */
const PLAIN = `
Error: Error acquiring the state lock

Error message: ConditionalCheckFailedException: The conditional request failed
${LOCK_INFO}

${TRAILER}
`;

/** Coloured, framed by the left rule (format.Diagnostic), the backend error wrapped over lines. */
const FRAMED = [
  '\x1b[31m╷\x1b[0m',
  '\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1mError acquiring the state lock\x1b[0m',
  '\x1b[31m│\x1b[0m',
  '\x1b[31m│\x1b[0m Error message: operation error S3: PutObject, https response error StatusCode: 412,',
  '\x1b[31m│\x1b[0m RequestID: 0286AB831A4D1B89, api error PreconditionFailed: At least one of the',
  '\x1b[31m│\x1b[0m pre-conditions you specified did not hold',
  ...LOCK_INFO.trimEnd()
    .split('\n')
    .map((line) => `\x1b[31m│\x1b[0m ${line}`),
  '\x1b[31m│\x1b[0m',
  '\x1b[31m│\x1b[0m',
  ...TRAILER.split('\n').map((line) => `\x1b[31m│\x1b[0m ${line}`),
  '\x1b[31m╵\x1b[0m',
  '',
].join('\n');

/** Terraform 0.11: the error inline in the summary. */
const LEGACY = `Error: Error locking state: Error acquiring the state lock: ConditionalCheckFailedException: The conditional request failed
\tstatus code: 400, request id: 8TQ0AB3V4VQ3NHJ2P0C0N2M7S3VV4KQNSO5AEMVJF66Q9ASUAAJG
${LOCK_INFO}

${TRAILER}
`;

describe('parseStateLockError', () => {
  it('reads the Lock Info block of the plain form', () => {
    assert.deepEqual(parseStateLockError(PLAIN), {
      id: 'f3c2b1a0-7d6e-5f4c-3b2a-190817263544',
      path: 'acme-tf-state/network/prod.tfstate',
      operation: 'OperationTypeApply',
      who: 'runner@fv-az512-7',
      version: '1.9.8',
      created: '2025-03-04 17:22:04.046394 +0000 UTC',
      createdAt: new Date('2025-03-04T17:22:04.046Z'),
      info: '',
      errorMessage: 'ConditionalCheckFailedException: The conditional request failed',
    });
  });

  it('reads the coloured form framed by the left rule, with a wrapped backend error', () => {
    const lock = parseStateLockError(FRAMED);
    assert.equal(lock?.id, 'f3c2b1a0-7d6e-5f4c-3b2a-190817263544');
    assert.equal(lock?.who, 'runner@fv-az512-7');
    assert.equal(
      lock?.errorMessage,
      'operation error S3: PutObject, https response error StatusCode: 412, RequestID: 0286AB831A4D1B89, api error PreconditionFailed: At least one of the pre-conditions you specified did not hold',
    );
  });

  it('reads the one-line form of Terraform 0.11', () => {
    const lock = parseStateLockError(LEGACY);
    assert.equal(lock?.id, 'f3c2b1a0-7d6e-5f4c-3b2a-190817263544');
    assert.match(
      lock?.errorMessage ?? '',
      /^ConditionalCheckFailedException: The conditional request failed status code: 400/,
    );
  });

  it("reads OpenTofu's wording and Windows line ends", () => {
    const tofu = PLAIN.replace('Terraform acquires', 'OpenTofu acquires').replace(/\n/g, '\r\n');
    assert.equal(parseStateLockError(tofu)?.path, 'acme-tf-state/network/prod.tfstate');
  });

  it('finds the lock error after other output', () => {
    const output = `Acquiring state lock. This may take a few moments...\n${PLAIN}`;
    assert.equal(parseStateLockError(output)?.operation, 'OperationTypeApply');
  });

  it('keeps a Created time it cannot read as text only', () => {
    const lock = parseStateLockError(PLAIN.replace(/Created: .*/, 'Created:   yesterday'));
    assert.equal(lock?.created, 'yesterday');
    assert.equal(lock?.createdAt, undefined);
  });

  it('is undefined for a lock error that names no holder (the backend failed, nobody holds it)', () => {
    const undecryptable = `
Error: Error acquiring the state lock

Error message: failed to write backup file: decryption failed for all provided methods

OpenTofu acquires a state lock to protect the state from being written
by multiple users at the same time.
`;
    assert.equal(parseStateLockError(undecryptable), undefined);
  });

  it('is undefined for other errors', () => {
    assert.equal(parseStateLockError('\nError: Reference to undeclared resource\n\n  on main.tf line 3:\n'), undefined);
    assert.equal(parseStateLockError(''), undefined);
  });
});

describe('describeStateLock', () => {
  it('names the holder, the time, the operation, the ID and the way out', () => {
    const lock = parseStateLockError(PLAIN)!;
    assert.equal(
      describeStateLock(lock, 'terraform'),
      'The state on acme-tf-state/network/prod.tfstate is locked by runner@fv-az512-7 since 2025-03-04T17:22:04.046Z (apply), Terraform 1.9.8; ' +
        'lock ID f3c2b1a0-7d6e-5f4c-3b2a-190817263544. Wait for that run to finish and re-run, or raise lock-timeout. ' +
        'If the holder is gone for good, release the lock with `terraform force-unlock f3c2b1a0-7d6e-5f4c-3b2a-190817263544`.',
    );
  });

  it('uses the command of the tool in use', () => {
    const lock = parseStateLockError(PLAIN)!;
    assert.match(describeStateLock(lock, 'tofu'), /OpenTofu 1\.9\.8; .*`tofu force-unlock f3c2b1a0/);
  });
});

describe('the pg backend', () => {
  // Its Lock Info describes the waiting run (hashicorp/terraform#32075): the holder is unknown.
  const PG = [
    '╷',
    '│ Error: Error acquiring the state lock',
    '│ ',
    '│ Error message: Workspace is already locked: default',
    '│ Lock Info:',
    '│   ID:        4c1b2f7e-0000-4000-8000-000000000001',
    '│   Path:      ',
    '│   Operation: OperationTypeApply',
    '│   Who:       root@runner',
    '│   Version:   1.11.4',
    '│   Created:   2026-12-04 18:00:00.123456 +0000 UTC',
    '│   Info:      ',
    '╵',
  ].join('\n');

  it('says the holder is unknown and how to find it in PostgreSQL, never force-unlock with the waiting ID', () => {
    const lock = parseStateLockError(PG)!;
    expect(lock.holderUnknown).toBe(true);
    const text = describeStateLock(lock, 'terraform');
    expect(text).toMatch(
      /locked by another session of the PostgreSQL backend \(Workspace is already locked: default\)/,
    );
    expect(text).toMatch(/pg_locks/);
    expect(text).not.toMatch(/root@runner|force-unlock 4c1b2f7e/);
  });
});
