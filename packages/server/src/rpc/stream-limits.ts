// How many StreamUpdates and WatchThread calls are open at once (X5): at most
// `limits.maxStreamsPerPrincipal` per principal and `limits.maxWatchersPerThread` per thread,
// counted in this process. A stream takes a slot when it starts and gives it back when it ends,
// whatever ends it (the client cancels, its deadline passes, its history ends, the server closes,
// the handler fails), so a count never drifts and a freed slot can be taken again at once.
import type { LimitsConfig } from "../config/server-config.js";
import type { Owner } from "../engine/thread-operations.js";
import { limitExceeded } from "./errors.js";

/** One open stream's place in the counts; `release` gives it back (again: no effect). */
export interface StreamSlot {
  release(): void;
}

export interface StreamLimits {
  /**
   * Takes a slot for a stream of `principal` (null: anonymous) on `threadId`.
   * @throws ConnectError RESOURCE_EXHAUSTED when either count is at its limit; nothing is taken.
   */
  open(principal: Owner, threadId: string): StreamSlot;
}

export type StreamLimitsConfig = Pick<
  LimitsConfig,
  "maxStreamsPerPrincipal" | "maxWatchersPerThread"
>;

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Removes a key at zero, so the maps hold only what is open. */
function decrement<K>(counts: Map<K, number>, key: K): void {
  const count = (counts.get(key) ?? 0) - 1;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

export function createStreamLimits(limits: StreamLimitsConfig): StreamLimits {
  const perPrincipal = new Map<Owner, number>();
  const perThread = new Map<string, number>();
  return {
    open(principal, threadId) {
      const { maxStreamsPerPrincipal, maxWatchersPerThread } = limits;
      if ((perPrincipal.get(principal) ?? 0) >= maxStreamsPerPrincipal) {
        // All anonymous callers share one count (authentication off, or a public deployment).
        const who = principal === null ? "anonymous callers have" : `principal "${principal}" has`;
        throw limitExceeded(
          `${who} ${maxStreamsPerPrincipal} streams open already ` +
            "(limits.maxStreamsPerPrincipal); cancel one before opening another",
          "maxStreamsPerPrincipal",
          maxStreamsPerPrincipal,
        );
      }
      if ((perThread.get(threadId) ?? 0) >= maxWatchersPerThread) {
        throw limitExceeded(
          `thread ${threadId} already has ${maxWatchersPerThread} open streams ` +
            "(limits.maxWatchersPerThread); cancel one before opening another",
          "maxWatchersPerThread",
          maxWatchersPerThread,
        );
      }
      increment(perPrincipal, principal);
      increment(perThread, threadId);
      let isReleased = false;
      return {
        release() {
          if (isReleased) return;
          isReleased = true;
          decrement(perPrincipal, principal);
          decrement(perThread, threadId);
        },
      };
    },
  };
}
