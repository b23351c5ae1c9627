// Saved deltas (DESIGN §6 B5, B7) through real HTTP/2 gRPC on port 0: what StreamUpdates returns
// for a finished thread under each streaming option of an agent (§5 `streaming`).
import { protoToUIMessage } from "@durable-agents/core";
import type { Delta } from "@durable-agents/core/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllMessages, textOf } from "../support/conversation.js";
import { createGate, createScriptedModel } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { chunksOf, streamedText } from "../support/watch-recorder.js";

/** Every stored delta of a thread, in order (StreamUpdates with history_only). */
async function storedDeltas(test: TestServer, threadId: string): Promise<Delta[]> {
  const deltas: Delta[] = [];
  for await (const response of test.streams.streamUpdates({ threadId, historyOnly: true })) {
    if (response.update.case === "delta") deltas.push(response.update.value);
  }
  return deltas;
}

/** Runs `prompt` on a new thread of `agent` to its end. */
async function converse(test: TestServer, agent: string, prompt: string): Promise<string> {
  const { thread } = await test.threads.createThread({ agent, prompt });
  const threadId = thread?.threadId ?? "";
  await waitForThread(test.streams, threadId, isIdle);
  return threadId;
}

const WORDS = Array.from({ length: 20 }, (_, index) => `w${index}`).join(" ");

/** The stored deltas once StreamUpdates has pushed the first one live. */
async function deltasOnceOneIsLive(test: TestServer, threadId: string): Promise<Delta[]> {
  const watch = new AbortController();
  for await (const response of test.streams.streamUpdates(
    { threadId, fromSeq: 1n },
    { signal: watch.signal },
  )) {
    if (response.update.case === "delta") break;
  }
  watch.abort();
  return storedDeltas(test, threadId);
}

describe("saved deltas (B5)", () => {
  let test: TestServer;
  // A turn that streams its text, then holds its finish until the test releases it.
  const releaseHeldTurn = createGate();
  const heldTurn = createScriptedModel(() => ({
    parts: [
      { type: "text-start", id: "t1" },
      { type: "text-delta", id: "t1", delta: "Written " },
      { type: "text-delta", id: "t1", delta: "before the hold." },
      { type: "text-end", id: "t1" },
    ],
    holdUntil: releaseHeldTurn.promise,
  }));
  beforeAll(async () => {
    test = await startTestServer({
      agents: [
        {
          name: "held-one-write",
          model: heldTurn.model,
          streaming: { saveDeltas: true, throttleMs: 60_000, includeToolInputDeltas: false },
        },
      ],
      config: {
        agents: [
          {
            name: "every-chunk",
            model: "demo:echo",
            tools: ["get_weather"],
            streaming: { throttleMs: 0 },
          },
          { name: "one-write", model: "demo:echo", streaming: { throttleMs: 60_000 } },
          {
            name: "tool-input",
            model: "demo:echo",
            tools: ["get_weather"],
            streaming: { throttleMs: 0, includeToolInputDeltas: true },
          },
          { name: "no-deltas", model: "demo:echo", streaming: { saveDeltas: false } },
        ],
      },
    });
  });
  afterAll(async () => {
    await test.close();
  });

  it("B5 B7 with throttle 0 each chunk is its own delta; the deltas join to the committed answer", async () => {
    const threadId = await converse(test, "every-chunk", WORDS);
    const deltas = await storedDeltas(test, threadId);
    const [, answer] = (await test.threads.listMessages({ threadId })).messages;
    const answerText = textOf(answer === undefined ? undefined : protoToUIMessage(answer));
    expect(answerText).toBe(`You said: ${WORDS}`);
    expect(streamedText(deltas)).toBe(answerText);
    // The demo streams a word at a time: 22 text deltas, each written alone.
    const textDeltaRows = deltas.filter((delta) =>
      chunksOf([delta]).some((chunk) => chunk.type === "text-delta"),
    );
    expect(textDeltaRows).toHaveLength(22);
    expect(deltas.every((delta) => delta.chunks.length === 1)).toBe(true);
    // One stream (the turn's, seq 1), building the committed message; seqs have no gap.
    expect(new Set(deltas.map((delta) => delta.streamSeq))).toEqual(new Set([1n]));
    expect(new Set(deltas.map((delta) => delta.messageId))).toEqual(new Set([answer?.messageId]));
    expect(deltas.map((delta) => delta.deltaSeq)).toEqual(deltas.map((_, index) => BigInt(index)));
    expect(deltas.map((delta) => delta.messageSeq)).toEqual(
      deltas.map((_, index) => BigInt(index)),
    );
    expect(answer?.committedSeq).toBe(1n);
  });

  it("B5 a throttle longer than the turn: a turn streamed at once is one compacted delta", async () => {
    const threadId = await converse(test, "one-write", WORDS);
    const deltas = await storedDeltas(test, threadId);
    // The due first write waits one event-loop turn; the demo's words all arrive within it.
    expect(deltas).toHaveLength(1);
    const chunkTypes = chunksOf(deltas).map((chunk) => chunk.type);
    // Adjacent text deltas of one text part were joined into one chunk.
    expect(chunkTypes.filter((type) => type === "text-delta")).toHaveLength(1);
    expect(chunkTypes[0]).toBe("start");
    expect(chunkTypes.at(-1)).toBe("finish");
    expect(streamedText(deltas)).toBe(`You said: ${WORDS}`);
  });

  it("B5 the first write does not wait for the throttle: the chunks that came together, then the rest at the end", async () => {
    const { thread } = await test.threads.createThread({ agent: "held-one-write" });
    const threadId = thread?.threadId ?? "";
    await test.threads.sendMessage({ threadId, content: { case: "prompt", value: "go" } });

    // The turn is held open, 60 s of throttle ahead: its first write is already stored.
    const whileHeld = await deltasOnceOneIsLive(test, threadId);
    expect(whileHeld).toHaveLength(1);
    expect(chunksOf(whileHeld).map((chunk) => chunk.type)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
    ]);
    expect(streamedText(whileHeld)).toBe("Written before the hold.");

    releaseHeldTurn.open();
    await waitForThread(test.streams, threadId, isIdle);
    const deltas = await storedDeltas(test, threadId);
    expect(deltas).toHaveLength(2);
    expect(deltas[0]).toEqual(whileHeld[0]);
    expect(chunksOf(deltas.slice(1)).map((chunk) => chunk.type)).toEqual(["finish-step", "finish"]);
  });

  it("B5 tool-input deltas are dropped unless includeToolInputDeltas", async () => {
    const without = await storedDeltas(
      test,
      await converse(test, "every-chunk", "weather in Oslo"),
    );
    const withInput = await storedDeltas(
      test,
      await converse(test, "tool-input", "weather in Oslo"),
    );
    const types = (deltas: Delta[]) => chunksOf(deltas).map((chunk) => chunk.type);
    expect(types(without)).toContain("tool-input-available");
    expect(types(without)).not.toContain("tool-input-delta");
    expect(types(withInput)).toContain("tool-input-available");
    expect(types(withInput)).toContain("tool-input-delta");
    // Both answered the same way.
    expect(streamedText(without)).toBe("The weather in Oslo is sunny, 22°C.");
    expect(streamedText(withInput)).toBe("The weather in Oslo is sunny, 22°C.");
  });

  it("B5 B15 each stream's deltas count their message's seq from 0: turn, tool outcome, next turn", async () => {
    const threadId = await converse(test, "every-chunk", "weather in Lima");
    const deltas = await storedDeltas(test, threadId);
    const messages = await listAllMessages(test.threads, threadId);
    const assistantId = messages[1]?.id;
    expect(new Set(deltas.map((delta) => delta.streamSeq))).toEqual(new Set([1n, 2n, 3n]));
    for (const streamSeq of [1n, 2n, 3n]) {
      const ofStream = deltas.filter((delta) => delta.streamSeq === streamSeq);
      expect(ofStream.map((delta) => delta.messageId)).toEqual(ofStream.map(() => assistantId));
      expect(ofStream.map((delta) => delta.messageSeq)).toEqual(
        ofStream.map((_, index) => BigInt(index)),
      );
    }
    // Stream 2 is the tool outcome's own one-delta stream (B15).
    const outcome = deltas.filter((delta) => delta.streamSeq === 2n);
    expect(chunksOf(outcome)).toMatchObject([
      { type: "tool-output-available", output: { weather: "sunny", temperature: 22 } },
    ]);
  });

  it("B5 with saveDeltas off no delta is stored, and the answer is still committed", async () => {
    const threadId = await converse(test, "no-deltas", "quietly");
    expect(await storedDeltas(test, threadId)).toEqual([]);
    expect(textOf((await listAllMessages(test.threads, threadId)).at(-1))).toBe(
      "You said: quietly",
    );
  });
});
