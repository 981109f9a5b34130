// Concurrency groups, shared by every run of one runner ("Control the
// concurrency of workflows and jobs"): "there can be at most one running and
// one pending job in a concurrency group at any time. When a concurrent job
// or workflow is queued, if another job or workflow using the same
// concurrency group in the repository is in progress, the queued job or
// workflow will be pending. Any existing pending job or workflow in the same
// concurrency group, if it exists, will be canceled and the new queued job or
// workflow will take its place." With `cancel-in-progress: true` the running
// one is cancelled too. Group names are case-insensitive.

export interface ConcurrencyHolder {
  /** `run 7` or `run 7 / deploy`, for messages and reports. */
  label: string;
  run: number;
  /** The job's key, for a job's group; none for a workflow's. */
  job?: string;
  /** Cancels the holder (its run or job): running, with cancel-in-progress; pending, when displaced. */
  cancel(reason: string): void;
}

export type Admission = 'acquired' | 'cancelled';

interface Group {
  name: string;
  running?: ConcurrencyHolder;
  pending?: { holder: ConcurrencyHolder; admit: (admission: Admission) => void };
}

export type ConcurrencyEvent =
  | { type: 'pending'; group: string; holder: ConcurrencyHolder; running: ConcurrencyHolder }
  | { type: 'displaced'; group: string; holder: ConcurrencyHolder; reason: string };

/** GitHub's message on a run or job a newer one displaced. */
export function displacedMessage(group: string): string {
  return `Canceling since a higher priority waiting request for ${group} exists`;
}

export class ConcurrencyGroups {
  private readonly groups = new Map<string, Group>();
  private readonly onEvent: (event: ConcurrencyEvent) => void;

  constructor(onEvent: (event: ConcurrencyEvent) => void = () => {}) {
    this.onEvent = onEvent;
  }

  /**
   * Enters `name`: resolves 'acquired' when the holder may run (at once, or
   * when the running one releases), 'cancelled' when a newer entry displaces
   * it while pending or `signal` aborts.
   */
  acquire(
    name: string,
    holder: ConcurrencyHolder,
    cancelInProgress: boolean,
    signal?: AbortSignal,
  ): Promise<Admission> {
    const key = name.toLowerCase();
    let group = this.groups.get(key);
    if (!group) {
      group = { name };
      this.groups.set(key, group);
    }
    if (!group.running) {
      group.running = holder;
      return Promise.resolve('acquired');
    }
    if (group.pending) {
      const displaced = group.pending;
      group.pending = undefined;
      this.onEvent({ type: 'displaced', group: name, holder: displaced.holder, reason: displacedMessage(name) });
      displaced.holder.cancel(displacedMessage(name));
      displaced.admit('cancelled');
    }
    if (cancelInProgress) group.running.cancel(displacedMessage(name));
    const entered = group;
    return new Promise<Admission>((resolve) => {
      const abort = () => {
        if (entered.pending?.holder === holder) entered.pending = undefined;
        resolve('cancelled');
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      entered.pending = {
        holder,
        admit: (admission) => {
          signal?.removeEventListener('abort', abort);
          resolve(admission);
        },
      };
      this.onEvent({ type: 'pending', group: name, holder, running: entered.running! });
    });
  }

  /** Leaves `name`; the pending holder, if any, starts. */
  release(name: string, holder: ConcurrencyHolder): void {
    const key = name.toLowerCase();
    const group = this.groups.get(key);
    if (!group || group.running !== holder) return;
    const next = group.pending;
    group.pending = undefined;
    group.running = next?.holder;
    if (next) next.admit('acquired');
    else this.groups.delete(key);
  }

  /** Who runs and who waits in a group, for assertions. */
  state(name: string): { running?: string; pending?: string } {
    const group = this.groups.get(name.toLowerCase());
    return { running: group?.running?.label, pending: group?.pending?.holder.label };
  }
}
