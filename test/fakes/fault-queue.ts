import type { Server } from 'node:http';

// What the fakes of remote services share: faults served by operation and
// count, in the order injected, and the timers of slow answers, which close()
// cancels so that a test never waits for a fault it no longer needs.

export interface InjectedFault<F> {
  readonly fault: F;
  /** Matching requests still to meet the fault. */
  readonly remaining: number;
  cancel(): void;
}

export class FaultQueue<K, F> {
  #rules: { key: K; fault: F; remaining: number }[] = [];

  inject(key: K, fault: F, times = 1): InjectedFault<F> {
    const rule = { key, fault, remaining: times };
    this.#rules.push(rule);
    return {
      fault,
      get remaining() {
        return rule.remaining;
      },
      cancel: () => {
        rule.remaining = 0;
      },
    };
  }

  /** The fault this request meets; each one met counts down. */
  take(key: K): F | undefined {
    const rule = this.#rules.find((r) => r.remaining > 0 && r.key === key);
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return rule.fault;
  }

  clear(): void {
    this.#rules = [];
  }
}

export class ServerTimers {
  readonly #timers = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** Cancels the pending timers, then stops the server and drops its connections. */
  closeServer(server: Server): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }
}
