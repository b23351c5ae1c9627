// WAL checkpoints on a worker thread. SQLite copies the write-ahead log back into the database
// file (a checkpoint, with its fsyncs) inside whichever commit pushes the log past
// `wal_autocheckpoint` pages: on the server's event loop, one commit in a hundred took 4–9 ms
// instead of ~40 µs in `pnpm bench`, 0.7 ms of every durable tool loop on average. A second
// connection on a worker thread checkpoints instead, while the event loop goes on committing.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * How often the worker checkpoints. At the embedded deployment's busiest (some 500 commits a
 * second) the log then holds a few hundred pages between checkpoints; an idle checkpoint costs
 * microseconds.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 100;

/**
 * The event loop's own connection still checkpoints once the log reaches this many pages (40 MB
 * at 4 KiB pages): the log stays bounded should the worker fall behind or fail.
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

/** What one `PRAGMA wal_checkpoint(PASSIVE)` did. */
export interface CheckpointResult {
  /** Whether a reader or writer kept the checkpoint from finishing (it goes on next time). */
  busy: boolean;
  /** Frames in the log. */
  logFrames: number;
  /** Frames copied into the database file so far. */
  checkpointedFrames: number;
}

export interface WalCheckpointerOptions {
  /** The database file; its connection on the event loop must be in WAL mode. */
  path: string;
  busyTimeoutMs: number;
  intervalMs?: number;
  /** A checkpoint failed; the next interval tries again. */
  onError(message: string): void;
}

export interface WalCheckpointer {
  /** Checkpoints now, on the worker, and reports what it did. */
  checkpoint(): Promise<CheckpointResult>;
  /** Stops the worker and closes its connection. */
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * The worker's code, CommonJS run with `eval`: a worker file would have to be compiled before it
 * could run, and the tests load this package's TypeScript sources. It answers "checkpoint" with
 * a result (or an error) and "close" by closing its connection and leaving.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driverPath);
const database = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = () => {
  const [row] = database.pragma("wal_checkpoint(PASSIVE)");
  return { busy: row.busy !== 0, logFrames: row.log, checkpointedFrames: row.checkpointed };
};
const interval = setInterval(() => {
  try {
    checkpoint();
  } catch (error) {
    parentPort.postMessage({ type: "error", message: String(error) });
  }
}, workerData.intervalMs);
parentPort.on("message", (request) => {
  if (request.type === "close") {
    clearInterval(interval);
    database.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ type: "result", id: request.id, result: checkpoint() });
  } catch (error) {
    parentPort.postMessage({ type: "result", id: request.id, error: String(error) });
  }
});
`;

type WorkerMessage =
  | { type: "error"; message: string }
  | { type: "result"; id: number; result?: CheckpointResult; error?: string };

interface Waiter {
  resolve(result: CheckpointResult): void;
  reject(error: Error): void;
}

/** Starts checkpointing `path` on a worker thread every `intervalMs`. */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: require.resolve("better-sqlite3"),
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    },
  });
  // The worker serves the store; it must not keep a process alive that is done otherwise.
  worker.unref();
  const waiters = new Map<number, Waiter>();
  let nextId = 0;
  let ended: Error | undefined;
  const failWaiters = (error: Error) => {
    ended = error;
    for (const waiter of waiters.values()) waiter.reject(error);
    waiters.clear();
  };
  worker.on("message", (message: WorkerMessage) => {
    if (message.type === "error") {
      options.onError(message.message);
      return;
    }
    const waiter = waiters.get(message.id);
    waiters.delete(message.id);
    if (message.result !== undefined) waiter?.resolve(message.result);
    else waiter?.reject(new Error(message.error ?? "the checkpoint failed"));
  });
  worker.on("error", (error) => {
    options.onError(`the WAL checkpoint worker failed: ${error.message}`);
    failWaiters(error);
  });
  worker.on("exit", () => failWaiters(new Error("the WAL checkpoint worker has stopped")));
  return {
    checkpoint() {
      if (ended !== undefined) return Promise.reject(ended);
      const id = nextId++;
      return new Promise<CheckpointResult>((resolve, reject) => {
        waiters.set(id, { resolve, reject });
        worker.postMessage({ type: "checkpoint", id });
      });
    },
    async close() {
      if (ended !== undefined) return;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      // Waited for, the worker must keep the process alive until it is gone.
      worker.ref();
      worker.postMessage({ type: "close" });
      await exited;
    },
  };
}
