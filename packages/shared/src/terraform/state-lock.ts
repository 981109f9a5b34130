import { stripVTControlCharacters } from 'node:util';
import { toolDisplayName } from './release-index.ts';

// Terraform's "Error acquiring the state lock" diagnostic, read back into the
// facts a person needs to act on it: who holds the lock, since when, and its ID
// for `force-unlock`. The block comes from statemgr.LockInfo.String() and is
// the same for every backend, in Terraform and OpenTofu; it may arrive plain
// (`-no-color`), framed by the `│` rule of coloured diagnostics, or in the old
// one-line "Error locking state: Error acquiring the state lock: ..." form.

export interface StateLockInfo {
  /** Lock ID, the argument of `force-unlock`. */
  id: string;
  /** The locked state, as the backend names it. */
  path: string;
  /** e.g. `OperationTypeApply`, `OperationTypePlan`. */
  operation: string;
  /** `user@host` of the holder. */
  who: string;
  /** Terraform version of the holder. */
  version: string;
  /** When the lock was taken, as Terraform printed it (Go time format). */
  created: string;
  /** `created` as a Date, when it could be read. */
  createdAt?: Date;
  info: string;
  /** The backend's own error ("ConditionalCheckFailedException: ..."), when printed. */
  errorMessage?: string;
  /**
   * The Lock Info block describes the waiting run, not the holder: the `pg`
   * backend (PostgreSQL advisory locks) prints the lock it tried to take
   * (hashicorp/terraform#32075), so its ID releases nothing.
   */
  holderUnknown?: boolean;
}

// The pg backend's errors when another session holds the advisory lock.
const PG_LOCK_HELD = /Workspace is already locked|already locked for workspace creation/i;

const LOCK_ERROR = /Error acquiring the state lock/;
const FIELD = /^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*?)\s*$/;

/**
 * The lock holder named in a failed command's output, or undefined when the
 * output does not report a held lock. A lock error without a Lock Info block
 * (a backend that could not be reached, a state that cannot be decrypted) is
 * not a held lock and gives undefined.
 */
export function parseStateLockError(output: string): StateLockInfo | undefined {
  const text = stripVTControlCharacters(output);
  const start = text.search(LOCK_ERROR);
  if (start === -1) return undefined;
  const lines = text
    .slice(start)
    .split(/\r?\n/)
    .map((line) => line.replace(/^[│|] ?/, ''));
  const infoAt = lines.findIndex((line) => /^\s*Lock Info:\s*$/.test(line));
  if (infoAt === -1) return undefined;

  const fields: Record<string, string> = {};
  for (const line of lines.slice(infoAt + 1)) {
    const match = FIELD.exec(line);
    if (!match) break;
    fields[match[1]!.toLowerCase()] = match[2]!;
  }
  if (!fields.id) return undefined;

  const created = fields.created ?? '';
  const createdAt = parseGoTime(created);
  const errorMessage = errorMessageBefore(lines.slice(0, infoAt));
  return {
    id: fields.id,
    path: fields.path ?? '',
    operation: fields.operation ?? '',
    who: fields.who ?? '',
    version: fields.version ?? '',
    created,
    ...(createdAt ? { createdAt } : {}),
    info: fields.info ?? '',
    ...(errorMessage ? { errorMessage } : {}),
    ...(errorMessage && PG_LOCK_HELD.test(errorMessage) ? { holderUnknown: true } : {}),
  };
}

// The backend's error sits before "Lock Info:" and may wrap over several
// lines: after "Error message:" since Terraform 0.15, after the summary's
// colon in the older one-line form.
function errorMessageBefore(lines: string[]): string | undefined {
  const at = lines.findIndex((line) => /^\s*Error message:/.test(line));
  const from =
    at === -1 ? lines.slice(0, 1).map((line) => line.replace(/^.*Error acquiring the state lock:?/, '')) : [];
  const text = (at === -1 ? [...from, ...lines.slice(1)] : lines.slice(at))
    .join(' ')
    .replace(/^\s*Error message:/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}

/** Go's time.Time.String(): `2024-05-14 09:21:07.482311 +0000 UTC`. */
function parseGoTime(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{2})(\d{2})/.exec(text);
  if (!match) return undefined;
  const fraction = match[3] ? match[3].slice(0, 4) : '';
  const date = new Date(`${match[1]}T${match[2]}${fraction}${match[4]}:${match[5]}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * One paragraph for people: who holds the lock, since when, for what, and how
 * to get past it. `tool` is the command users type (`terraform`, `tofu`).
 */
export function describeStateLock(lock: StateLockInfo, tool: string): string {
  if (lock.holderUnknown) {
    // PostgreSQL knows the holder: its session, not a lock ID, is what to end.
    return (
      `The state${lock.path ? ` on ${lock.path}` : ''} is locked by another session of the PostgreSQL backend (${lock.errorMessage}); ` +
      `the pg backend does not say which. Wait for that run to finish and re-run, or raise lock-timeout. ` +
      `If the holder is gone for good, find its session in PostgreSQL (\`pg_locks\` with locktype 'advisory', joined to ` +
      `\`pg_stat_activity\`) and end it with \`pg_terminate_backend(pid)\`; \`${tool} force-unlock\` cannot release it.`
    );
  }
  const holder = lock.who || 'another run';
  const since = lock.createdAt
    ? ` since ${lock.createdAt.toISOString()}`
    : lock.created
      ? ` since ${lock.created}`
      : '';
  const operation = lock.operation ? ` (${lock.operation.replace(/^OperationType/, '').toLowerCase()})` : '';
  const version = lock.version ? `, ${toolDisplayName(tool === 'tofu' ? 'tofu' : 'terraform')} ${lock.version}` : '';
  const path = lock.path ? ` on ${lock.path}` : '';
  return (
    `The state${path} is locked by ${holder}${since}${operation}${version}; lock ID ${lock.id}. ` +
    `Wait for that run to finish and re-run, or raise lock-timeout. If the holder is gone for good, ` +
    `release the lock with \`${tool} force-unlock ${lock.id}\`.`
  );
}
