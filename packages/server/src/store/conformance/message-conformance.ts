import { describe, expect, it } from "vitest";
import { isDuplicateRecordError } from "../errors.js";
import type { MessageRecord } from "../records.js";
import type { ConformanceContext } from "./conformance-context.js";
import { fullAssistantMessage, messageRecord, newId, T0, UNICODE_TEXT } from "./fixtures.js";
import { nth, rejectionOf, seedMessages, seedThread } from "./seed.js";

export function describeMessageConformance(context: ConformanceContext): void {
  describe("messages", () => {
    it("appends at positions 0, 1, 2… and round-trips every field", async () => {
      const thread = await seedThread(context.store);
      const messages = [
        fullAssistantMessage(thread.threadId),
        messageRecord(thread.threadId, { metadata: null }),
        messageRecord(thread.threadId, { metadata: undefined, role: "system" }),
      ];
      const appended = await context.store.transaction(async (tx) => {
        const result: MessageRecord[] = [];
        for (const message of messages) result.push(await tx.appendMessage(message));
        return result;
      });
      expect(appended).toStrictEqual(
        messages.map((message, position) => ({ ...message, position })),
      );
      for (const message of appended) {
        expect(await context.store.getMessage(thread.threadId, message.messageId)).toStrictEqual(
          message,
        );
      }
    });

    it("keeps JSON null metadata apart from absent metadata", async () => {
      const thread = await seedThread(context.store);
      const seeded = await seedMessages(context.store, thread.threadId, [
        { metadata: null },
        { metadata: undefined },
      ]);
      const readNull = await context.store.getMessage(thread.threadId, nth(seeded, 0).messageId);
      const readAbsent = await context.store.getMessage(thread.threadId, nth(seeded, 1).messageId);
      expect(readNull?.metadata).toBeNull();
      expect(readAbsent).toHaveProperty("metadata", undefined);
    });

    it("returns undefined for an unknown message", async () => {
      const thread = await seedThread(context.store);
      expect(await context.store.getMessage(thread.threadId, newId("message"))).toBeUndefined();
    });

    it("numbers each thread's messages from 0", async () => {
      const first = await seedThread(context.store);
      const second = await seedThread(context.store);
      await seedMessages(context.store, first.threadId, [{}, {}]);
      const onSecond = await seedMessages(context.store, second.threadId, [{}]);
      expect(nth(onSecond, 0).position).toBe(0);
    });

    it("refuses a second message with the same id in a thread", async () => {
      const thread = await seedThread(context.store);
      const message = nth(await seedMessages(context.store, thread.threadId, [{}]), 0);
      const error = await rejectionOf(
        context.store.transaction((tx) =>
          tx.appendMessage(messageRecord(thread.threadId, { messageId: message.messageId })),
        ),
      );
      expect(isDuplicateRecordError(error)).toBe(true);
    });

    it("lists oldest first, after a position, up to the limit, without system messages by default", async () => {
      const thread = await seedThread(context.store);
      const messages = await seedMessages(context.store, thread.threadId, [
        { role: "system" },
        { role: "user" },
        { role: "assistant" },
        { role: "system" },
        { role: "user" },
        { role: "assistant" },
      ]);
      const ids = (list: readonly MessageRecord[]) => list.map((message) => message.messageId);
      const visible = messages.filter((message) => message.role !== "system");

      const all = await context.store.listMessages(thread.threadId, {
        includeSystem: true,
        limit: 100,
      });
      expect(all).toStrictEqual(messages);
      const withoutSystem = await context.store.listMessages(thread.threadId, {
        includeSystem: false,
        limit: 100,
      });
      expect(ids(withoutSystem)).toEqual(ids(visible));
      expect(withoutSystem.map((message) => message.position)).toEqual([1, 2, 4, 5]);

      const firstPage = await context.store.listMessages(thread.threadId, {
        includeSystem: false,
        limit: 2,
      });
      const secondPage = await context.store.listMessages(thread.threadId, {
        includeSystem: false,
        afterPosition: firstPage.at(-1)?.position,
        limit: 2,
      });
      const thirdPage = await context.store.listMessages(thread.threadId, {
        includeSystem: false,
        afterPosition: secondPage.at(-1)?.position,
        limit: 2,
      });
      expect([...ids(firstPage), ...ids(secondPage)]).toEqual(ids(visible));
      expect(thirdPage).toEqual([]);

      const afterTwo = await context.store.listMessages(thread.threadId, {
        includeSystem: true,
        afterPosition: 2,
        limit: 100,
      });
      expect(afterTwo.map((message) => message.position)).toEqual([3, 4, 5]);
    });

    it("getLastMessage returns the message at the highest position, system ones included", async () => {
      const thread = await seedThread(context.store);
      expect(await context.store.getLastMessage(thread.threadId)).toBeUndefined();
      const messages = await seedMessages(context.store, thread.threadId, [
        { role: "user" },
        { role: "system" },
      ]);
      expect(await context.store.getLastMessage(thread.threadId)).toStrictEqual(messages[1]);
    });

    it("saveMessage replaces a message in place and appends a new one", async () => {
      const thread = await seedThread(context.store);
      const seeded = await seedMessages(context.store, thread.threadId, [
        {},
        { role: "assistant" },
        {},
      ]);
      const [first, middle, last] = [nth(seeded, 0), nth(seeded, 1), nth(seeded, 2)];
      const replacement = {
        ...fullAssistantMessage(thread.threadId),
        messageId: middle.messageId,
        parts: [{ type: "text" as const, text: `final ${UNICODE_TEXT}` }],
        committedSeq: 3,
        createdAt: T0 + 99,
      };
      const saved = await context.store.transaction((tx) => tx.saveMessage(replacement));
      expect(saved).toStrictEqual({ ...replacement, position: 1 });

      const fresh = messageRecord(thread.threadId, { role: "assistant" });
      const appended = await context.store.transaction((tx) => tx.saveMessage(fresh));
      expect(appended).toStrictEqual({ ...fresh, position: 3 });

      const listed = await context.store.listMessages(thread.threadId, {
        includeSystem: true,
        limit: 100,
      });
      expect(listed).toStrictEqual([first, saved, last, appended]);
    });
  });
}
