import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ThreadEvent } from "../events/event-bus.js";
import { createLocalEventBus } from "../events/local-event-bus.js";
import { messageRecord, T0, threadRecord } from "../store/conformance/fixtures.js";
import type { JobRecord } from "../store/records.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import { Changes, mutate, scheduleJob } from "./unit-of-work.js";

describe("Changes", () => {
  it("announces only the thread state a transaction commits, after its other events in order", () => {
    const bus = createLocalEventBus();
    const heard: ThreadEvent[] = [];
    bus.subscribe("t1", (event) => heard.push(event));
    const thread = threadRecord({ threadId: "t1" });
    const message = { ...messageRecord("t1"), position: 0 };
    const changes = new Changes();
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 1, status: "completed" } });
    changes.emit("t1", { type: "message", message });
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 2, status: "streaming" } });

    changes.flush({
      bus,
      scheduler: { reserve: () => undefined, cancelReservation: () => {}, offer: () => {} },
    });

    expect(heard.map((event) => event.type)).toEqual(["message", "thread"]);
    expect(heard[1]).toMatchObject({ thread: { version: 2, status: "streaming" } });
  });

  it("knows each thread as the transaction last wrote it, and none it did not write", () => {
    const thread = threadRecord({ threadId: "t1" });
    const changes = new Changes();
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 1 } });
    changes.emit("t1", { type: "message", message: { ...messageRecord("t1"), position: 0 } });
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 2 } });
    changes.emit("t2", { type: "message", message: { ...messageRecord("t2"), position: 0 } });

    expect(changes.writtenThread("t1")).toStrictEqual({ ...thread, version: 2 });
    expect(changes.writtenThread("t2")).toBeUndefined();
    expect(changes.writtenThread("t3")).toBeUndefined();
  });
});

describe("jobs a transaction schedules", () => {
  let testStore: TestSqliteStore;
  const reserved: string[] = [];
  const cancelled: string[] = [];
  const offered: JobRecord[] = [];
  /** A scheduler with `free` slots, recording what the transactions do with them. */
  const contextWith = (free: number) =>
    createTestEngineContext(testStore.store, {
      now: () => T0,
      instanceId: "this-process",
      scheduler: {
        reserve(type) {
          if (reserved.length - cancelled.length >= free) return undefined;
          reserved.push(type);
          return { owner: "this-process", until: T0 + 30_000 };
        },
        cancelReservation: (type) => cancelled.push(type),
        offer: (jobs) => offered.push(...jobs),
      },
    });
  const job = (key: string, runAt = T0) => ({
    type: "run_turn",
    threadId: null,
    key,
    payload: {},
    runAt,
  });

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    for (const list of [reserved, cancelled, offered]) list.length = 0;
  });

  afterEach(() => testStore.remove());

  it("leases a job due now to this process when a slot is free, and offers it after the commit", async () => {
    const context = contextWith(1);
    await mutate(context, async (tx, changes) => {
      await scheduleJob(context, tx, changes, job("due"));
      await scheduleJob(context, tx, changes, job("no-slot-left"));
      await scheduleJob(context, tx, changes, job("later", T0 + 1000));
      expect(offered).toEqual([]);
    });

    expect(await testStore.store.findJob("run_turn", "due")).toMatchObject({
      leaseOwner: "this-process",
      leaseUntil: T0 + 30_000,
    });
    expect(await testStore.store.findJob("run_turn", "no-slot-left")).toMatchObject({
      leaseOwner: null,
    });
    expect(offered.map((offer) => [offer.key, offer.leaseOwner])).toEqual([
      ["due", "this-process"],
      ["no-slot-left", null],
      ["later", null],
    ]);
    expect(reserved).toEqual(["run_turn"]);
    expect(cancelled).toEqual([]);
  });

  it("gives the slot back when the transaction rolls back", async () => {
    const context = contextWith(1);
    const failed = mutate(context, async (tx, changes) => {
      await scheduleJob(context, tx, changes, job("due"));
      throw new Error("rolled back");
    });

    await expect(failed).rejects.toThrow("rolled back");
    expect(cancelled).toEqual(["run_turn"]);
    expect(offered).toEqual([]);
    expect(await testStore.store.findJob("run_turn", "due")).toBeUndefined();
  });

  it("offers only the last of a job scheduled twice, and gives back the slot of the first", async () => {
    const context = contextWith(2);
    await mutate(context, async (tx, changes) => {
      await scheduleJob(context, tx, changes, job("twice"));
      await scheduleJob(context, tx, changes, job("twice"));
    });

    const stored = await testStore.store.findJob("run_turn", "twice");
    expect(offered).toEqual([stored]);
    expect(reserved).toEqual(["run_turn", "run_turn"]);
    expect(cancelled).toEqual(["run_turn"]);
  });
});

describe("work a transaction starts in a slot it reserved", () => {
  let testStore: TestSqliteStore;
  const cancelled: string[] = [];
  const started: string[] = [];
  const context = () =>
    createTestEngineContext(testStore.store, {
      now: () => T0,
      scheduler: {
        reserve: () => ({ owner: "this-process", until: T0 + 30_000 }),
        cancelReservation: (type) => cancelled.push(type),
        offer: () => {},
      },
    });

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    cancelled.length = 0;
    started.length = 0;
  });

  afterEach(() => testStore.remove());

  it("runs beforeCommit last in the transaction and starts the work after the commit, in its slot", async () => {
    const thread = threadRecord({ threadId: "t1" });
    await mutate(context(), async (tx, changes) => {
      await tx.insertThread(thread);
      changes.slotReserved("run_turn");
      changes.beforeCommit(async (inside) => {
        // Sees what the transaction wrote after this action was registered.
        const messages = await inside.listMessages("t1", { includeSystem: true, limit: 10 });
        changes.useReservedSlot("run_turn", () => started.push(`${messages.length} message`));
        expect(started).toEqual([]);
      });
      await tx.appendMessage(messageRecord("t1"));
    });

    expect(started).toEqual(["1 message"]);
    // The work holds the slot: it is not given back.
    expect(cancelled).toEqual([]);
  });

  it("gives the slot back and starts nothing when the transaction rolls back after beforeCommit", async () => {
    const failed = mutate(context(), async (tx, changes) => {
      await tx.insertThread(threadRecord({ threadId: "t1" }));
      changes.slotReserved("run_turn");
      changes.beforeCommit(async () => {
        changes.useReservedSlot("run_turn", () => started.push("started"));
        throw new Error("rolled back");
      });
    });

    await expect(failed).rejects.toThrow("rolled back");
    expect(started).toEqual([]);
    expect(cancelled).toEqual(["run_turn"]);
    expect(await testStore.store.getThread("t1")).toBeUndefined();
  });

  it("gives the slot back when beforeCommit hands it to no work", async () => {
    await mutate(context(), async (tx, changes) => {
      await tx.insertThread(threadRecord({ threadId: "t1" }));
      changes.slotReserved("run_turn");
      changes.beforeCommit(async () => {});
    });

    expect(started).toEqual([]);
    expect(cancelled).toEqual(["run_turn"]);
  });
});
