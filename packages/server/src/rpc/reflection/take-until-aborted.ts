/**
 * Yields from `source` until it ends or `signal` aborts. A bidi handler that simply awaits the
 * client's next message would keep its call open while the client stays silent, so a server
 * close could not end it; racing each read against the signal lets it stop at once. The read
 * left pending is settled by the caller's transport when the call ends.
 */
export async function* takeUntilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<IteratorReturnResult<undefined>>((resolve) => {
    onAbort = () => resolve({ done: true, value: undefined });
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    for (;;) {
      if (signal.aborted) return;
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}
