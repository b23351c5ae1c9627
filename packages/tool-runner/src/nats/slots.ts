// Execution slots shared by every tool a runner serves: a pull loop reserves free slots before
// it asks JetStream for that many tasks, so the runner never holds more tasks than it may run at
// once (the rest stay in the stream for other replicas).

export interface Slots {
  /**
   * Waits until at least one slot is free, then takes up to `most`. Waiters are served first
   * come, first served, so one tool cannot starve another. Resolves 0 when `signal` aborts.
   */
  reserve(most: number, signal: AbortSignal): Promise<number>;
  /** Gives back `count` slots. */
  release(count: number): void;
}

export function createSlots(total: number): Slots {
  let free = total;
  const waiters: { most: number; resolve: (count: number) => void }[] = [];

  const serve = () => {
    while (free > 0 && waiters.length > 0) {
      const waiter = waiters.shift();
      if (waiter === undefined) return;
      const count = Math.min(free, waiter.most);
      free -= count;
      waiter.resolve(count);
    }
  };

  return {
    reserve(most, signal) {
      if (signal.aborted) return Promise.resolve(0);
      return new Promise((resolve) => {
        const waiter = {
          most,
          resolve: (count: number) => {
            signal.removeEventListener("abort", onAbort);
            resolve(count);
          },
        };
        const onAbort = () => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          resolve(0);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
        serve();
      });
    },
    release(count) {
      free += count;
      serve();
    },
  };
}
