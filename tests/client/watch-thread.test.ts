// watchThread of @durable-agents/client against a real server (issue #6): the views it yields merge
// committed messages with the streaming output exactly as the server commits them, and a client
// whose connections are cut mid-answer reconnects and still assembles the exact answer (X1).
import {
  type AgentClient,
  type AgentClientOptions,
  createAgentClient,
  type StreamUpdate,
  type ThreadView,
} from "@durable-agents/client";
import type { UIMessage } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { within } from "../support/deadline.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");

/** A long prompt of distinct words, so a duplicated or missing delta changes the text. */
const longPrompt = (words: number) =>
  Array.from({ length: words }, (_, index) => `word${index}`).join(" ");

/** The views of a watch until `done` holds, with a deadline; the watch is ended afterwards. */
async function collectViews(
  client: AgentClient,
  threadId: string,
  done: (view: ThreadView) => boolean,
  onView: (view: ThreadView) => void = () => {},
): Promise<ThreadView[]> {
  const views: ThreadView[] = [];
  const stop = new AbortController();
  await within(
    (async () => {
      for await (const view of client.watchThread(threadId, { signal: stop.signal })) {
        views.push(view);
        onView(view);
        if (done(view)) break;
      }
    })(),
    20_000,
    "the watch to reach the expected view",
  ).finally(() => stop.abort());
  return views;
}

/** The loop ended with `count` messages, all committed. */
const settledWith = (count: number) => (view: ThreadView) =>
  !view.isRunning &&
  view.thread.activeStreamId === undefined &&
  view.streamingMessageIds.length === 0 &&
  view.messages.length === count;

describe("watchThread (issue #6)", () => {
  let test: TestServer;
  let client: AgentClient;

  afterEach(async () => {
    client.close();
    await test.close();
  });

  describe("merge", () => {
    beforeEach(async () => {
      test = await startTestServer({
        config: { providers: { demo: { type: "demo", chunkDelayMs: 1 } } },
      });
      client = createAgentClient({ baseUrl: test.server.url });
    });

    it("X1 B7 the final view equals the committed conversation, streamed parts included", async () => {
      const thread = await client.createThread({ agent: "demo" });
      const views: ThreadView[] = [];
      const watching = collectViews(client, thread.threadId, settledWith(2), (view) =>
        views.push(view),
      );
      await client.sendMessage(thread.threadId, "hello there, how are you today?");
      await watching;
      const { messages } = await client.listMessages(thread.threadId);
      const last = views.at(-1);
      expect(last?.messages).toStrictEqual(messages);
      expect(textOf(messages.at(-1))).toBe("You said: hello there, how are you today?");
      // The answer was seen while streaming, as the AI SDK builds it: the streamed version just
      // before the commit is the committed message, key for key.
      const answerId = messages.at(-1)?.id ?? "";
      const streamed = views.filter((view) => view.streamingMessageIds.includes(answerId));
      expect(streamed.length).toBeGreaterThan(0);
      expect(streamed.at(-1)?.messages.at(-1)).toStrictEqual(messages.at(-1));
    });

    it("B6 B15 B19 a tool loop's message shows its tool result and the next step's text", async () => {
      const thread = await client.createThread({ agent: "demo" });
      const watching = collectViews(client, thread.threadId, settledWith(2));
      await client.sendMessage(thread.threadId, "weather in Paris");
      const views = await watching;
      const { messages } = await client.listMessages(thread.threadId);
      expect(views.at(-1)?.messages).toStrictEqual(messages);
      expect(views.at(-1)?.toolCalls.map((call) => [call.toolName, call.status])).toEqual([
        ["get_weather", "completed"],
      ]);
      // Every streamed text the view showed on the way was a prefix of the final answer.
      const answer = textOf(messages.at(-1));
      expect(answer).toBe("The weather in Paris is sunny, 22°C.");
      for (const view of views) expect(answer.startsWith(textOf(view.messages[1]))).toBe(true);
    });

    it("X1 B6 B15 a live watcher gets every delta of a tool loop, in cursor order", async () => {
      const thread = await client.createThread({ agent: "demo" });
      const stop = new AbortController();
      const live: StreamUpdate[] = [];
      const watching = within(
        (async () => {
          for await (const update of client.streamUpdates(thread.threadId, {
            fromSeq: 1,
            signal: stop.signal,
          })) {
            live.push(update);
            // The answer's turn (stream 3, after the turn and the tool's outcome) has ended.
            if (
              update.type === "stream_state" &&
              update.streamState.streamSeq === 3 &&
              update.streamState.status === "finished"
            ) {
              break;
            }
          }
        })(),
        10_000,
        "the answer's stream to end",
      ).finally(() => stop.abort());
      await client.sendMessage(thread.threadId, "weather in Paris");
      await watching;
      const deltas = live.flatMap((update) => (update.type === "delta" ? [update.delta] : []));
      // The tool ran while its turn was still streaming; the turn's own deltas are all there.
      const turnChunks = deltas
        .filter((delta) => delta.streamSeq === 1)
        .flatMap((delta) => delta.chunks.map((chunk) => chunk.type));
      expect(turnChunks).toContain("tool-input-available");
      expect(turnChunks.at(-1)).toBe("finish");
      expect(deltas.map((delta) => delta.streamSeq)).toEqual(
        [...deltas.map((delta) => delta.streamSeq)].sort((a, b) => a - b),
      );
      // What arrived live is exactly the stored history.
      const history: StreamUpdate[] = [];
      for await (const update of client.streamUpdates(thread.threadId, {
        fromSeq: 1,
        historyOnly: true,
      })) {
        history.push(update);
      }
      const deltasOf = (updates: StreamUpdate[]) =>
        updates.flatMap((update) => (update.type === "delta" ? [update.delta] : []));
      expect(deltasOf(live)).toEqual(deltasOf(history));
    });

    it("X1 live: false yields the thread as it is and ends", async () => {
      const thread = await client.createThread({ agent: "demo" });
      await client.sendMessage(thread.threadId, "once");
      await collectViews(client, thread.threadId, settledWith(2));
      const views: ThreadView[] = [];
      for await (const view of client.watchThread(thread.threadId, { live: false })) {
        views.push(view);
      }
      expect(views.at(-1)?.caughtUp).toBe(true);
      expect(views.at(-1)?.messages.map(textOf)).toEqual(["once", "You said: once"]);
    });

    it("X1 a watch resumed from an earlier view's cursor starts from the committed state", async () => {
      const thread = await client.createThread({ agent: "demo", prompt: "first" });
      const first = await collectViews(client, thread.threadId, settledWith(2));
      const cursor = first.at(-1)?.cursor;
      await client.sendMessage(thread.threadId, "second");
      const views: ThreadView[] = [];
      const stop = new AbortController();
      await within(
        (async () => {
          for await (const view of client.watchThread(thread.threadId, {
            cursor,
            signal: stop.signal,
          })) {
            views.push(view);
            if (settledWith(4)(view)) break;
          }
        })(),
        10_000,
        "the resumed watch to show the second answer",
      ).finally(() => stop.abort());
      expect(views.at(-1)?.messages.map(textOf)).toEqual([
        "first",
        "You said: first",
        "second",
        "You said: second",
      ]);
    });

    it("B21 a watch of a deleted thread ends with NotFoundError", async () => {
      const thread = await client.createThread({ agent: "demo" });
      const views: ThreadView[] = [];
      const watching = (async () => {
        for await (const view of client.watchThread(thread.threadId, {
          reconnect: { initialDelayMs: 1, maxDelayMs: 5 },
        })) {
          views.push(view);
          if (views.length === 1) await client.deleteThread(thread.threadId);
        }
      })();
      await expect(within(watching, 10_000, "the watch to end")).rejects.toMatchObject({
        name: "NotFoundError",
        reason: "THREAD_NOT_FOUND",
      });
    });
  });

  describe("network drops", () => {
    let proxy: TcpProxy;

    beforeEach(async () => {
      test = await startTestServer({
        config: {
          providers: { demo: { type: "demo", chunkDelayMs: 2 } },
          agents: [{ name: "narrator", model: "demo:echo", streaming: { throttleMs: 20 } }],
        },
      });
      proxy = await startTcpProxy(test.server.url);
      // Replaced per test; the default one is closed by the outer afterEach.
      client = createAgentClient({ baseUrl: proxy.url });
    });

    afterEach(async () => {
      await proxy.close();
    });

    const transports: [string, Omit<AgentClientOptions, "baseUrl">][] = [
      ["connect over one HTTP/2 connection (the default)", {}],
      ["grpc-web over HTTP/1.1 connections", { protocol: "grpc-web", httpVersion: "1.1" }],
    ];

    it.for(transports)(
      "ACCEPTANCE X1 %s: a client cut off three times mid-answer assembles exactly the committed text",
      {
        timeout: 40_000,
      },
      async ([, options]) => {
        client.close();
        client = createAgentClient({ baseUrl: proxy.url, ...options });
        const prompt = longPrompt(1_200);
        const expected = `You said: ${prompt}`;
        const thread = await client.createThread({ agent: "narrator" });
        const reconnects: number[] = [];
        const cutsAt: number[] = [];
        let answerId: string | undefined;
        let lastStreamed: UIMessage | undefined;
        const stop = new AbortController();
        const watching = (async () => {
          for await (const view of client.watchThread(thread.threadId, {
            signal: stop.signal,
            reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
            onReconnect: ({ attempt }) => reconnects.push(attempt),
          })) {
            const answer = view.messages.find(
              (message) =>
                message.role === "assistant" && view.streamingMessageIds.includes(message.id),
            );
            if (answer !== undefined) {
              answerId = answer.id;
              lastStreamed = answer;
              const text = textOf(answer);
              // No duplicated and no missing text at any moment: what is shown is a prefix.
              expect(expected.startsWith(text)).toBe(true);
              // Cut the connection for real at 20 %, 40 % and 60 % of the answer, leaving the
              // rest long enough to be streamed, not only committed, after the last reconnect.
              const nextCutAt = [0.2, 0.4, 0.6][cutsAt.length];
              if (nextCutAt !== undefined && text.length >= expected.length * nextCutAt) {
                expect(view.status).toBe("streaming");
                expect(proxy.cut()).toBeGreaterThan(0);
                cutsAt.push(text.length);
              }
            }
            const committed = view.messages.find((message) => message.id === answerId);
            if (
              committed !== undefined &&
              !view.streamingMessageIds.includes(committed.id) &&
              !view.isRunning
            ) {
              return view;
            }
          }
          return undefined;
        })();
        await client.sendMessage(thread.threadId, prompt);
        const finalView = await within(watching, 30_000, "the long answer to be committed").finally(
          () => stop.abort(),
        );

        expect(cutsAt).toHaveLength(3);
        expect(reconnects.length).toBeGreaterThanOrEqual(3);
        expect(proxy.acceptedCount).toBeGreaterThanOrEqual(4);
        // The text the client assembled from deltas alone, before the commit arrived …
        expect(lastStreamed?.id).toBe(answerId);
        expect(textOf(lastStreamed)).toBe(expected);
        // … equals the committed message exactly, read straight from the server.
        const direct = createAgentClient({ baseUrl: test.server.url });
        try {
          const { messages } = await direct.listMessages(thread.threadId);
          expect(messages.at(-1)?.id).toBe(answerId);
          expect(lastStreamed).toStrictEqual(messages.at(-1));
          expect(finalView?.messages).toStrictEqual(messages);
        } finally {
          direct.close();
        }
      },
    );
  });
});
