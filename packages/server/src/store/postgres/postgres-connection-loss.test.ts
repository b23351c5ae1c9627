// Issue #5 item 5: a terminated backend or a PostgreSQL restart costs a retry, never a failed call
// or a change applied twice; only a connection lost during COMMIT is reported (its outcome is
// unknown), and a database gone for longer than the retry budget fails with StoreUnavailableError.
import { createServer, type Server, Socket } from "node:net";
import { Client } from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type PrivatePostgres, startPrivatePostgres } from "../../test-support/private-postgres.js";
import { createTestDatabase, type TestDatabase } from "../../test-support/test-database.js";
import { messageRecord, newJob, T0, threadRecord } from "../conformance/fixtures.js";
import { rejectionOf } from "../conformance/seed.js";
import { isStoreUnavailableError } from "../errors.js";
import type { ThreadRecord } from "../records.js";
import type { Store, StoreTransaction } from "../store.js";
import { createPostgresStore, type PostgresStoreOptions } from "./postgres-store.js";

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A connection of the test's own to the store's database, to lock or terminate with. */
async function adminConnection(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: "store-test-admin" });
  await client.connect();
  return client;
}

/** The store's backends (the store names its connections "durable-agents"). */
const STORE_BACKENDS =
  "from pg_stat_activity where datname = current_database() and application_name = 'durable-agents'";

/**
 * Terminates the store's backends (only those waiting for a lock when `blockedOnly`) and waits
 * until they are gone; returns how many.
 */
async function terminateStoreBackends(admin: Client, blockedOnly = false): Promise<number> {
  const { rows } = await admin.query<{ terminated: boolean }>(
    `select pg_terminate_backend(pid, 5000) as terminated ${STORE_BACKENDS}` +
      (blockedOnly ? " and wait_event_type = 'Lock'" : ""),
  );
  return rows.filter((row) => row.terminated).length;
}

/**
 * Waits until one of the store's statements waits for a lock. `admin` must not be in a transaction:
 * pg_stat_activity keeps one snapshot per transaction.
 */
async function waitForBlockedStatement(admin: Client): Promise<void> {
  await waitUntil(async () => {
    const { rows } = await admin.query(`select pid ${STORE_BACKENDS} and wait_event_type = 'Lock'`);
    return rows.length > 0;
  }, "a store statement waits for the lock");
}

interface CommitCuttingProxy {
  url: string;
  /** Cuts the next connection that sends COMMIT, before the COMMIT reaches the server. */
  cutAtNextCommit(): void;
  /** Stops accepting connections and cuts the open ones. */
  close(): Promise<void>;
}

/** node-postgres sends Kysely's parameterless `commit` as a simple Query message. */
const COMMIT_MESSAGE = Buffer.from("Q\0\0\0\x0bcommit\0", "latin1");

/** A TCP proxy in front of PostgreSQL that can drop a connection exactly at COMMIT. */
async function startCommitCuttingProxy(databaseUrl: string): Promise<CommitCuttingProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let armed = false;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) socket.on("error", drop).on("close", drop);
    upstream.connect(Number(target.port), target.hostname, () => {
      client.on("data", (chunk: Buffer) => {
        if (armed && chunk.includes(COMMIT_MESSAGE)) {
          armed = false;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${address.port}`;
  return {
    url: url.href,
    cutAtNextCommit() {
      armed = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Databases and a private server are created and removed per test: more time than vitest's
// defaults when the machine is busy.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

describe("PostgreSQL store: connection loss (issue #5)", () => {
  let database: TestDatabase | undefined;
  let privateServer: PrivatePostgres | undefined;
  let admin: Client | undefined;
  let locker: Client | undefined;
  let proxy: CommitCuttingProxy | undefined;
  const opened: Store[] = [];

  afterEach(async () => {
    // The locker first: a store statement waiting for its lock would keep close() waiting.
    await Promise.all([locker?.end(), admin?.end()]);
    locker = undefined;
    admin = undefined;
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await proxy?.close();
    proxy = undefined;
    await database?.drop();
    database = undefined;
    await privateServer?.stop();
    privateServer = undefined;
  });

  async function open(options: PostgresStoreOptions): Promise<Store> {
    const store = createPostgresStore(options);
    opened.push(store);
    await store.migrate();
    return store;
  }

  async function seedThreads(store: Store, count: number): Promise<ThreadRecord[]> {
    const threads = Array.from({ length: count }, () => threadRecord());
    await store.transaction(async (tx) => {
      for (const thread of threads) await tx.insertThread(thread);
    });
    return threads;
  }

  /**
   * Four transactions each lock a thread, append a message and bump the thread's seq, then wait at
   * a gate with their COMMIT not sent while the test terminates their backends. After the gate
   * each does `afterGate`; the first run then fails on its dead connection, and the store runs
   * the transaction again. The same message id on every run: had a killed run committed, the next
   * one would be refused as a duplicate.
   */
  async function killTransactionsAtGate(options: {
    afterGate(tx: StoreTransaction, threadId: string): Promise<void>;
    /** Resolves once the store noticed the terminations (the default does not wait). */
    noticed?: Promise<void>;
    store: Store;
  }): Promise<{ threads: ThreadRecord[]; runs: Map<string, number> }> {
    const { store } = options;
    const threads = await seedThreads(store, 4);
    const gate = deferred();
    const allInside = deferred();
    const runs = new Map<string, number>();
    const writes = threads.map((thread) =>
      store.transaction(async (tx) => {
        const run = (runs.get(thread.threadId) ?? 0) + 1;
        runs.set(thread.threadId, run);
        const locked = await tx.lockThread(thread.threadId);
        await tx.appendMessage(messageRecord(thread.threadId, { messageId: "only-once" }));
        await tx.updateThread(thread.threadId, { seq: (locked?.seq ?? 0) + 1 }, T0 + 1);
        if (run === 1) {
          if (runs.size === threads.length) allInside.resolve();
          await gate.promise;
          await options.afterGate(tx, thread.threadId);
        }
      }),
    );
    await allInside.promise;
    if (admin === undefined) throw new Error("no admin connection");
    expect(await terminateStoreBackends(admin)).toBe(threads.length);
    await options.noticed;
    gate.resolve();
    await Promise.all(writes);
    return { threads, runs };
  }

  async function expectAppliedOnce(store: Store, threads: readonly ThreadRecord[]): Promise<void> {
    for (const thread of threads) {
      expect(await store.getThread(thread.threadId)).toMatchObject({ seq: 1, version: 1 });
      const messages = await store.listMessages(thread.threadId, {
        includeSystem: true,
        limit: 10,
      });
      expect(messages.map((message) => message.messageId)).toEqual(["only-once"]);
    }
  }

  it("runs transactions again when their backends are terminated between statements", async () => {
    database = await createTestDatabase();
    const store = await open({ url: database.url, maxConnections: 4 });
    admin = await adminConnection(database.url);
    const { threads, runs } = await killTransactionsAtGate({
      store,
      // The next statement meets the dead connection, in flight or refused before it is sent.
      afterGate: async (tx, threadId) => {
        await tx.getThread(threadId);
      },
    });
    expect([...runs.values()]).toEqual([2, 2, 2, 2]);
    await expectAppliedOnce(store, threads);
  });

  it("runs a transaction again when its connection broke before its COMMIT was sent", async () => {
    database = await createTestDatabase();
    const broken = deferred();
    let breaks = 0;
    const store = await open({
      url: database.url,
      maxConnections: 4,
      logger: {
        warn: () => {
          breaks += 1;
          if (breaks === 4) broken.resolve();
        },
      },
    });
    admin = await adminConnection(database.url);
    const { threads, runs } = await killTransactionsAtGate({
      store,
      // Straight to COMMIT, which node-postgres refuses to send on a connection it knows is dead.
      afterGate: async () => {},
      noticed: broken.promise,
    });
    expect([...runs.values()]).toEqual([2, 2, 2, 2]);
    await expectAppliedOnce(store, threads);
  });

  it("keeps the process alive and reconnects when idle pooled connections are terminated", async () => {
    database = await createTestDatabase();
    const store = await open({ url: database.url, maxConnections: 3 });
    admin = await adminConnection(database.url);
    const [thread] = await seedThreads(store, 1);
    // Three idle connections in the pool, then all three killed under it.
    await Promise.all([1, 2, 3].map(() => store.getThread(thread?.threadId ?? "")));
    expect(await terminateStoreBackends(admin)).toBeGreaterThan(0);

    expect(await store.getThread(thread?.threadId ?? "")).toStrictEqual(thread);
    const job = await store.transaction((tx) => tx.scheduleJob(newJob({ runAt: T0 }), T0));
    expect(await store.claimDueJobs("owner", T0, 30_000, 10)).toMatchObject([
      { jobId: job.jobId, leaseOwner: "owner" },
    ]);
  });

  it("runs a read again on a new connection when its backend is terminated mid-statement", async () => {
    database = await createTestDatabase();
    const store = await open({ url: database.url, maxConnections: 2 });
    admin = await adminConnection(database.url);
    locker = await adminConnection(database.url);
    const [thread] = await seedThreads(store, 1);
    await locker.query("begin");
    await locker.query("lock table threads in access exclusive mode");
    const read = store.getThread(thread?.threadId ?? "");
    await waitForBlockedStatement(admin);
    expect(await terminateStoreBackends(admin, true)).toBe(1);
    // The read runs again on a new connection and waits for the lock once more.
    await waitForBlockedStatement(admin);
    await locker.query("commit");
    expect(await read).toStrictEqual(thread);
  });

  it("runs a lease write again on a new connection when its backend is terminated mid-statement", async () => {
    database = await createTestDatabase();
    const store = await open({ url: database.url, maxConnections: 2 });
    admin = await adminConnection(database.url);
    const job = await store.transaction((tx) => tx.scheduleJob(newJob({ runAt: T0 }), T0));
    locker = await adminConnection(database.url);
    await store.claimDueJobs("owner", T0, 30_000, 10);
    await locker.query("begin");
    await locker.query("select 1 from jobs where job_id = $1 for update", [job.jobId]);
    const completed = store.completeJob(job.jobId, "owner");
    await waitForBlockedStatement(admin);
    expect(await terminateStoreBackends(admin, true)).toBe(1);
    await waitForBlockedStatement(admin);
    await locker.query("commit");
    expect(await completed).toBe(true);
    expect(await store.findJob(job.type, job.key)).toBeUndefined();
  });

  it("reports a connection lost during COMMIT as an unknown outcome, without running the transaction again", async () => {
    database = await createTestDatabase();
    proxy = await startCommitCuttingProxy(database.url);
    const store = await open({ url: proxy.url, maxConnections: 2 });
    const thread = threadRecord();
    let runs = 0;
    proxy.cutAtNextCommit();
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        runs += 1;
        await tx.insertThread(thread);
      }),
    );
    expect(isStoreUnavailableError(error)).toBe(true);
    expect(error).toMatchObject({ commitOutcomeUnknown: true });
    expect(runs).toBe(1);
    // The COMMIT never reached the server here, so the store can tell it was not applied.
    expect(await store.getThread(thread.threadId)).toBeUndefined();
  });

  it("fails with StoreUnavailableError once the database stays unreachable past the retry budget", async () => {
    database = await createTestDatabase();
    proxy = await startCommitCuttingProxy(database.url);
    const store = await open({
      url: proxy.url,
      connectionRetry: {
        budgetMs: 300,
        backoff: {
          strategy: "exponential",
          initialDelayMs: 10,
          multiplier: 2,
          maxDelayMs: 50,
          jitter: "none",
        },
      },
    });
    await proxy.close();
    proxy = undefined;
    const started = performance.now();
    const read = await rejectionOf(store.getThread("any"));
    const write = await rejectionOf(store.transaction((tx) => tx.insertThread(threadRecord())));
    for (const error of [read, write]) {
      expect(isStoreUnavailableError(error)).toBe(true);
      expect(error).toMatchObject({ commitOutcomeUnknown: false });
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
  });

  it("rides out a PostgreSQL restart: calls made meanwhile succeed and nothing is applied twice", async () => {
    privateServer = await startPrivatePostgres();
    const store = await open({ url: privateServer.url, maxConnections: 4 });
    const threads = await seedThreads(store, 3);
    const committed = new Map<string, number[]>();
    const unknown = new Map<string, number[]>();
    let stopping = false;
    const writer = async (thread: ThreadRecord) => {
      for (let index = 0; !stopping; index += 1) {
        const messageId = `message-${index}`;
        try {
          await store.transaction(async (tx) => {
            const locked = await tx.lockThread(thread.threadId);
            await tx.appendMessage(messageRecord(thread.threadId, { messageId }));
            await tx.updateThread(thread.threadId, { seq: (locked?.seq ?? 0) + 1 }, T0 + index);
          });
          committed.set(thread.threadId, [...(committed.get(thread.threadId) ?? []), index]);
        } catch (error) {
          // Only a COMMIT cut by the shutdown may end this way; anything else fails the test.
          if (!isStoreUnavailableError(error) || !error.commitOutcomeUnknown) throw error;
          unknown.set(thread.threadId, [...(unknown.get(thread.threadId) ?? []), index]);
        }
      }
    };
    const reader = async () => {
      let reads = 0;
      while (!stopping) {
        for (const thread of threads) await store.getThread(thread.threadId);
        reads += 1;
      }
      return reads;
    };
    const countCommitted = () => [...committed.values()].reduce((sum, ids) => sum + ids.length, 0);
    const running = Promise.all([...threads.map(writer), reader()]);
    await waitUntil(() => countCommitted() >= 10, "the writers commit");
    await privateServer.restart();
    const afterRestart = countCommitted();
    await waitUntil(() => countCommitted() >= afterRestart + 10, "the writers commit again");
    stopping = true;
    await running;

    for (const thread of threads) {
      const messages = await store.listMessages(thread.threadId, {
        includeSystem: true,
        limit: 10_000,
      });
      const stored = messages.map((message) => Number(message.messageId.slice("message-".length)));
      const mustHave = committed.get(thread.threadId) ?? [];
      const mayHave = new Set(unknown.get(thread.threadId) ?? []);
      // Each committed write is there once, and nothing else but a write whose COMMIT was cut.
      expect(stored.filter((index) => !mayHave.has(index))).toEqual(mustHave);
      // The thread changed in the same transactions as its messages: one version per message.
      expect(await store.getThread(thread.threadId)).toMatchObject({
        seq: stored.length,
        version: stored.length,
      });
    }
    const job = await store.transaction((tx) => tx.scheduleJob(newJob({ runAt: T0 }), T0));
    expect(await store.claimDueJobs("owner", T0, 30_000, 10)).toMatchObject([{ jobId: job.jobId }]);
  }, 60_000);
});
