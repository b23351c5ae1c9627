// Promise.withResolvers (ES2024) for Node 20, where it is missing and Restate's SDK calls it
// (PERF-NOTES). Imported for its effect before the SDK; does nothing on a Node that has it.

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as PromiseConstructor & {
  withResolvers?: <T>() => Resolvers<T>;
};

if (promiseConstructor.withResolvers === undefined) {
  promiseConstructor.withResolvers = <T>(): Resolvers<T> => {
    let resolve: Resolvers<T>["resolve"] = () => {};
    let reject: Resolvers<T>["reject"] = () => {};
    const promise = new Promise<T>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  };
}
