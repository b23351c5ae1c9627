/** Stale finalizers of one thread within this window are counted together (B8). */
export const STALE_FINALIZER_WINDOW_MS = 5 * 60_000;

/** This many stale finalizers of one thread within the window raise an alert (B8). */
export const STALE_FINALIZER_ALERT_THRESHOLD = 3;

/** Recent stale finalizers of one thread. */
export interface StaleFinalizerHistory {
  /** When each stale finalizer within the window happened (ms epoch), oldest first. */
  readonly occurredAt: readonly number[];
  /** When this thread last raised an alert (ms epoch). */
  readonly lastAlertAt: number | undefined;
}

/** Stale finalizer histories by thread id. Treat as immutable; start from an empty map. */
export type StaleFinalizerCounter = ReadonlyMap<string, StaleFinalizerHistory>;

/** Result of {@link recordStaleFinalizer}. */
export interface StaleFinalizerRecord {
  /** The counter to keep for the next call. */
  counter: StaleFinalizerCounter;
  /** Stale finalizers of this thread within the window, this one included. */
  countInWindow: number;
  /**
   * Log an alert: the threshold is reached. At most one alert per thread per window, so a thread
   * stuck in a finalizer race raises one alert, not one per finalizer.
   */
  shouldAlert: boolean;
}

/**
 * Counts a stale finalizer of a thread at `now` (B8). Histories that no longer matter (nothing
 * within the window, no alert within the window) are dropped, so the counter stays as small as the
 * number of threads with recent stale finalizers.
 */
export function recordStaleFinalizer(
  counter: StaleFinalizerCounter,
  threadId: string,
  now: number,
): StaleFinalizerRecord {
  const next = new Map<string, StaleFinalizerHistory>();
  for (const [id, history] of counter) {
    const recent = pruneHistory(history, now);
    if (recent !== undefined) {
      next.set(id, recent);
    }
  }

  const previous = next.get(threadId);
  const occurredAt = [...(previous?.occurredAt ?? []), now];
  const lastAlertAt = previous?.lastAlertAt;
  const alertedWithinWindow = lastAlertAt !== undefined && isWithinWindow(lastAlertAt, now);
  const shouldAlert = occurredAt.length >= STALE_FINALIZER_ALERT_THRESHOLD && !alertedWithinWindow;
  next.set(threadId, { occurredAt, lastAlertAt: shouldAlert ? now : lastAlertAt });

  return { counter: next, countInWindow: occurredAt.length, shouldAlert };
}

function pruneHistory(
  history: StaleFinalizerHistory,
  now: number,
): StaleFinalizerHistory | undefined {
  const occurredAt = history.occurredAt.filter((at) => isWithinWindow(at, now));
  const lastAlertAt =
    history.lastAlertAt !== undefined && isWithinWindow(history.lastAlertAt, now)
      ? history.lastAlertAt
      : undefined;
  if (occurredAt.length === 0 && lastAlertAt === undefined) {
    return undefined;
  }
  return { occurredAt, lastAlertAt };
}

function isWithinWindow(at: number, now: number): boolean {
  return now - at < STALE_FINALIZER_WINDOW_MS;
}
