// A promise with its resolve and reject at hand, for waits that another callback ends.

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // Rejections are observed by whoever awaits; this keeps an unawaited one from crashing the run.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
