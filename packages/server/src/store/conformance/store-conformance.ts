// The Store conformance suite (DESIGN §9): every Store implementation runs it, so the engine can
// rely on the same behaviour from each.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import type { ConformanceContext, StoreUnderTest } from "./conformance-context.js";
import { describeDeleteThreadConformance } from "./delete-thread-conformance.js";
import { describeJobConformance } from "./job-conformance.js";
import { describeJobLeaseConformance } from "./job-lease-conformance.js";
import { describeMessageConformance } from "./message-conformance.js";
import { describeQueueAndToolConformance } from "./queue-and-tool-conformance.js";
import { seedThread } from "./seed.js";
import { describeStreamConformance } from "./stream-conformance.js";
import { describeThreadConformance } from "./thread-conformance.js";
import { describeToolCallConformance } from "./tool-call-conformance.js";
import { describeTransactionConformance } from "./transaction-conformance.js";

export type { StoreUnderTest } from "./conformance-context.js";

/**
 * Declares the conformance tests of a Store implementation. `createStore` is called before every
 * test and must resolve to a migrated store on a fresh database.
 */
export function describeStoreConformance(
  name: string,
  createStore: () => Promise<StoreUnderTest>,
): void {
  describe(`Store conformance: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    let secondStores: Store[] = [];

    beforeEach(async () => {
      current = await createStore();
    });

    afterEach(async () => {
      const stores = secondStores;
      secondStores = [];
      await Promise.all(stores.map((store) => store.close()));
      await current?.cleanup();
      current = undefined;
    });

    const running = (): StoreUnderTest => {
      if (current === undefined) throw new Error("the store under test exists only inside a test");
      return current;
    };

    const context: ConformanceContext = {
      get store() {
        return running().store;
      },
      async openSecondStore() {
        const store = await running().openSecondStore();
        secondStores.push(store);
        return store;
      },
    };

    it("migrate() is safe to run again on a migrated database", async () => {
      const thread = await seedThread(context.store);
      await context.store.migrate();
      await context.store.migrate();
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(thread);
    });

    describeThreadConformance(context);
    describeMessageConformance(context);
    describeStreamConformance(context);
    describeToolCallConformance(context);
    describeQueueAndToolConformance(context);
    describeJobConformance(context);
    describeJobLeaseConformance(context);
    describeTransactionConformance(context);
    describeDeleteThreadConformance(context);
  });
}
