import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageRecord, T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import type { MessageRecord, ThreadRecord } from "../store/records.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import type { AgentDefinition } from "./context.js";
import { awaitsToolOutcomes, buildModelMessages, readTurnMessages } from "./model-messages.js";

const toolPart = (state: string) =>
  ({
    type: "tool-get_weather",
    toolCallId: "call-1",
    state,
    input: { location: "Oslo" },
    ...(state === "output-available" ? { output: { sunny: true } } : {}),
  }) as MessageRecord["parts"][number];

describe("B4 tool outcomes in the model's messages", () => {
  it("awaits outcomes only for an assistant's tool part without one", () => {
    const message = (role: MessageRecord["role"], parts: MessageRecord["parts"]) => ({
      role,
      parts,
    });
    expect(awaitsToolOutcomes([message("assistant", [toolPart("input-available")])])).toBe(true);
    expect(awaitsToolOutcomes([message("assistant", [toolPart("input-streaming")])])).toBe(true);
    expect(awaitsToolOutcomes([message("assistant", [toolPart("output-available")])])).toBe(false);
    expect(awaitsToolOutcomes([message("assistant", [{ type: "text", text: "hi" }])])).toBe(false);
    expect(awaitsToolOutcomes([message("user", [toolPart("input-available")])])).toBe(false);
  });

  describe("readTurnMessages and buildModelMessages", () => {
    let testStore: TestSqliteStore;
    let toolCallReads: number;
    let thread: ThreadRecord;
    const agent = { hooks: {} } as AgentDefinition;

    beforeEach(async () => {
      testStore = await createTestSqliteStore();
      toolCallReads = 0;
      thread = threadRecord({ status: "streaming" });
      await testStore.store.transaction((tx) => tx.insertThread(thread));
    });

    afterEach(() => testStore.remove());

    async function seedAssistant(part: MessageRecord["parts"][number]): Promise<void> {
      await testStore.store.transaction(async (tx) => {
        await tx.appendMessage(messageRecord(thread.threadId));
        await tx.appendMessage(
          messageRecord(thread.threadId, { role: "assistant", parts: [part] }),
        );
        await tx.insertToolCall(
          toolCallRecord(thread.threadId, {
            toolCallId: "call-1",
            status: "completed",
            result: { sunny: true },
          }),
        );
      });
    }

    /** The turn's messages, read in a transaction whose tool call reads are counted. */
    function readCounted(): Promise<MessageRecord[]> {
      return testStore.store.transaction((tx) => {
        const counted = new Proxy(tx, {
          get(target, property) {
            const value: unknown = Reflect.get(target, property, target);
            if (typeof value !== "function") return value;
            if (property === "listToolCalls") toolCallReads += 1;
            return value.bind(target);
          },
        });
        return readTurnMessages(counted, thread.threadId);
      });
    }

    it("gives a tool part its finished call's outcome, persisted", async () => {
      await seedAssistant(toolPart("input-available"));
      const context = createTestEngineContext(testStore.store, { now: () => T0 });

      const { uiMessages } = await buildModelMessages(context, thread, agent, await readCounted());

      expect(toolCallReads).toBe(1);
      expect(uiMessages[1]?.parts).toEqual([
        expect.objectContaining({ state: "output-available", output: { sunny: true } }),
      ]);
      const [, stored] = await testStore.store.listMessages(thread.threadId, {
        includeSystem: true,
        limit: 10,
      });
      expect(stored?.parts).toEqual(uiMessages[1]?.parts);
    });

    it("reads no tool calls when no part waits for an outcome", async () => {
      await seedAssistant(toolPart("output-available"));
      const context = createTestEngineContext(testStore.store, { now: () => T0 });

      const { modelMessages } = await buildModelMessages(
        context,
        thread,
        agent,
        await readCounted(),
      );

      expect(toolCallReads).toBe(0);
      expect(modelMessages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    });
  });
});
