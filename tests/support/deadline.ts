// Waiting for an in-process signal (a tool handler started, an AbortSignal fired) with a deadline,
// so a test never hangs and never sleeps.

/** Resolves with `promise`, or rejects once `timeoutMs` passed without it settling. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not happen within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal | undefined): Promise<unknown> {
  if (signal === undefined) return Promise.reject(new Error("there is no AbortSignal"));
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}
