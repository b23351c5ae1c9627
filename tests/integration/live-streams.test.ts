// Live output through real HTTP/2 gRPC (DESIGN §7 X1, with B5/B7): StreamUpdates and WatchThread
// push deltas as they are written, to any number of watchers; a client that reconnects with its
// last cursor gets every later delta exactly once; a cursor whose deltas were compacted away gets a
// snapshot first. Streams are cancelled through their signals (connect-es iterators have no return()).
import type { Client } from "@connectrpc/connect";
import {
  type Delta,
  type StreamCursor,
  type StreamService,
  StreamStatus,
  type StreamUpdatesRequest,
  type StreamUpdatesResponse,
  ThreadStatus,
  ToolCallStatus,
  type WatchCursor,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, textOf } from "../support/conversation.js";
import { createGate, createScriptedModel } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { streamedText } from "../support/watch-recorder.js";

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  test = await startTestServer(options);
  return test;
}

/** A demo agent whose answer streams word by word, 5 ms apart, saved every 20 ms (B5). */
const slowDemo = {
  config: { providers: { demo: { type: "demo", chunkDelayMs: 5 } } },
  agents: [
    {
      name: "slow",
      model: "demo:echo",
      streaming: { saveDeltas: true, throttleMs: 20, includeToolInputDeltas: false },
    },
  ],
};

const LONG_PROMPT = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");

type Request = Partial<Omit<StreamUpdatesRequest, "$typeName">> & { threadId: string };

/** A server-streaming call being read: `open` once its stored history was sent (caught-up). */
interface Reading<T> {
  open: Promise<void>;
  result: Promise<T[]>;
}

/**
 * Reads a server stream until `stop` accepts the items so far (then cancels the call through its
 * signal), or the call ends by itself; fails at the deadline.
 */
function readStream<T>(
  call: (signal: AbortSignal) => AsyncIterable<T>,
  isCaughtUp: (item: T) => boolean,
  stop: (items: readonly T[]) => boolean,
  onItem: (item: T) => void,
  timeoutMs = 10_000,
): Reading<T> {
  const opened = createGate();
  const result = (async () => {
    const done = new AbortController();
    const deadline = AbortSignal.timeout(timeoutMs);
    const items: T[] = [];
    try {
      for await (const item of call(AbortSignal.any([done.signal, deadline]))) {
        items.push(item);
        onItem(item);
        if (isCaughtUp(item)) opened.open();
        if (stop(items)) return items;
      }
      return items;
    } catch (error: unknown) {
      if (deadline.aborted) throw new Error(`the stream did not finish within ${timeoutMs} ms`);
      throw error;
    } finally {
      done.abort();
    }
  })();
  // A call that ends or fails before it caught up opens too; awaiting `result` reports why.
  const ended = result.then(
    () => undefined,
    () => undefined,
  );
  return { open: Promise.race([opened.promise, ended]), result };
}

function readUpdates(
  streams: Client<typeof StreamService>,
  request: Request,
  stop: (updates: readonly StreamUpdatesResponse[]) => boolean = () => false,
  onUpdate: (update: StreamUpdatesResponse) => void = () => {},
): Reading<StreamUpdatesResponse> {
  return readStream(
    (signal) => streams.streamUpdates(request, { signal }),
    ({ update }) => update.case === "caughtUp",
    stop,
    onUpdate,
  );
}

function readWatch(
  streams: Client<typeof StreamService>,
  request: { threadId: string; after?: WatchCursor | undefined },
  stop: (events: readonly WatchThreadResponse[]) => boolean = () => false,
): Reading<WatchThreadResponse> {
  return readStream(
    (signal) => streams.watchThread(request, { signal }),
    ({ event }) => event.case === "caughtUp",
    stop,
    () => {},
  );
}

const deltasOf = (updates: readonly StreamUpdatesResponse[]): Delta[] =>
  updates.flatMap(({ update }) => (update.case === "delta" ? [update.value] : []));

const position = (delta: Delta) => `${delta.streamSeq}:${delta.deltaSeq}`;

/** Stops once the turn stream of `streamSeq` reports it finished. */
const streamFinished =
  (streamSeq: bigint) =>
  (updates: readonly StreamUpdatesResponse[]): boolean =>
    updates.some(
      ({ update }) =>
        update.case === "streamState" &&
        update.value.streamSeq === streamSeq &&
        update.value.status === StreamStatus.FINISHED,
    );

const watchCaughtUp = (events: readonly WatchThreadResponse[]) =>
  events.some(({ event }) => event.case === "caughtUp");

async function createIdleThread(server: TestServer, agent: string): Promise<string> {
  const { thread } = await server.threads.createThread({ agent });
  return thread?.threadId ?? "";
}

async function committedAnswer(server: TestServer, threadId: string): Promise<string> {
  const messages = await listAllMessages(server.threads, threadId);
  return textOf(messages.filter((message) => message.role === "assistant").at(-1));
}

async function storedDeltas(server: TestServer, threadId: string): Promise<Delta[]> {
  return deltasOf(
    await readUpdates(server.streams, { threadId, fromSeq: 1n, historyOnly: true }).result,
  );
}

/** Waits, by polling StreamUpdates(history_only) with a deadline, until no delta is stored (B7). */
async function waitUntilDeltasDeleted(server: TestServer, threadId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stored = await storedDeltas(server, threadId);
    if (stored.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${stored.length} deltas were never cleaned up`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("X1 StreamUpdates", () => {
  it("X1 pushes each delta live to two concurrent watchers, both seeing the same deltas", async () => {
    const release = createGate();
    const scripted = createScriptedModel(() => ({
      parts: [
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Written " },
        { type: "text-delta", id: "t1", delta: "before the hold." },
        { type: "text-end", id: "t1" },
      ],
      // The model holds its response open: what the watchers see meanwhile was pushed live.
      holdUntil: release.promise,
    }));
    const server = await start({ agents: [{ name: "held", model: scripted.model }] });
    const threadId = await createIdleThread(server, "held");
    const seenWhileHeld = [createGate(), createGate()];
    const watchers = seenWhileHeld.map((gate) => {
      let text = "";
      return readUpdates(
        server.streams,
        { threadId, fromSeq: 1n },
        streamFinished(1n),
        (update) => {
          if (update.update.case !== "delta") return;
          text += streamedText([update.update.value]);
          if (text === "Written before the hold.") gate.open();
        },
      );
    });
    await Promise.all(watchers.map((watcher) => watcher.open));
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "go" } });

    await Promise.all(seenWhileHeld.map((gate) => gate.promise));
    expect((await server.threads.getThread({ threadId })).thread?.status).toBe(
      ThreadStatus.STREAMING,
    );
    release.open();
    const [first, second] = await Promise.all(watchers.map((watcher) => watcher.result));

    const firstDeltas = deltasOf(first ?? []);
    const secondDeltas = deltasOf(second ?? []);
    expect(firstDeltas.length).toBeGreaterThan(0);
    expect(secondDeltas).toEqual(firstDeltas);
    await waitForThread(server.streams, threadId, isIdle);
    const committed = await committedAnswer(server, threadId);
    expect(committed).toBe("Written before the hold.");
    expect(streamedText(firstDeltas)).toBe(committed);
    expect(firstDeltas).toEqual(await storedDeltas(server, threadId));
  });

  it("X1 a client that disconnects mid-answer and resumes with its last cursor gets every later delta exactly once", async () => {
    const server = await start(slowDemo);
    const threadId = await createIdleThread(server, "slow");
    let cutAt: StreamCursor | undefined;
    const firstSession = readUpdates(
      server.streams,
      { threadId, fromSeq: 1n },
      (updates) => deltasOf(updates).length === 3,
      (update) => {
        cutAt = update.cursor;
      },
    );
    await firstSession.open;
    await server.threads.sendMessage({
      threadId,
      content: { case: "prompt", value: LONG_PROMPT },
    });
    const before = deltasOf(await firstSession.result);
    const statusAtCut = (await server.threads.getThread({ threadId })).thread?.status;

    const secondSession = await readUpdates(
      server.streams,
      { threadId, after: cutAt },
      streamFinished(1n),
    ).result;
    const after = deltasOf(secondSession);
    await waitForThread(server.streams, threadId, isIdle);

    // The client left mid-answer, and its second session continued from there.
    expect(statusAtCut).toBe(ThreadStatus.STREAMING);
    expect(before).toHaveLength(3);
    expect(after.length).toBeGreaterThan(0);
    const all = [...before, ...after];
    expect(all.map((delta) => delta.deltaSeq)).toEqual(all.map((_, index) => BigInt(index)));
    expect(new Set(all.map(position)).size).toBe(all.length);
    const committed = await committedAnswer(server, threadId);
    expect(committed).toBe(`You said: ${LONG_PROMPT}`);
    expect(streamedText(all)).toBe(committed);
    expect(all).toEqual(await storedDeltas(server, threadId));
    // Resuming after the stream's end, which came live: nothing is sent twice.
    const tail = await readUpdates(server.streams, {
      threadId,
      after: secondSession.at(-1)?.cursor,
      historyOnly: true,
    }).result;
    expect(tail.map(({ update }) => update.case)).toEqual(["caughtUp"]);
  });

  it("X1 history_only sends the stored deltas after the cursor, then caught_up, and ends", async () => {
    const server = await start(slowDemo);
    const { thread } = await server.threads.createThread({ agent: "slow", prompt: LONG_PROMPT });
    const threadId = thread?.threadId ?? "";
    await waitForThread(server.streams, threadId, isIdle);

    // The call ends by itself: nothing cancels it here.
    const full = await readUpdates(server.streams, { threadId, fromSeq: 1n, historyOnly: true })
      .result;
    expect(full.at(-1)?.update.case).toBe("caughtUp");
    expect(full.filter(({ update }) => update.case === "caughtUp")).toHaveLength(1);
    const deltas = deltasOf(full);
    expect(deltas.length).toBeGreaterThan(2);
    expect(streamedText(deltas)).toBe(`You said: ${LONG_PROMPT}`);

    const middle = full[1]?.cursor;
    const rest = await readUpdates(server.streams, { threadId, after: middle, historyOnly: true })
      .result;
    expect(rest.at(-1)?.update.case).toBe("caughtUp");
    expect(deltasOf(rest)).toEqual(deltas.slice(2));
  });

  it("X1 resuming from the cursor of any stored update yields exactly the updates after it", async () => {
    const server = await start({});
    // Three streams: the turn that calls get_weather, the tool outcome (B15), the answering turn.
    const { thread } = await server.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    const threadId = thread?.threadId ?? "";
    await waitForThread(server.streams, threadId, isIdle);
    const summarize = (updates: readonly StreamUpdatesResponse[]) =>
      updates.flatMap(({ update }) => {
        if (update.case === "delta") return [`delta ${position(update.value)}`];
        if (update.case === "streamState")
          return [`${StreamStatus[update.value.status]} ${update.value.streamSeq}`];
        return [];
      });

    const full = await readUpdates(server.streams, { threadId, fromSeq: 1n, historyOnly: true })
      .result;
    const history = summarize(full);
    expect(history.filter((entry) => entry.startsWith("FINISHED"))).toEqual([
      "FINISHED 1",
      "FINISHED 2",
      "FINISHED 3",
    ]);
    for (const [index, update] of full.entries()) {
      const rest = await readUpdates(server.streams, {
        threadId,
        after: update.cursor,
        historyOnly: true,
      }).result;
      expect(summarize(rest), `resuming after "${history[index] ?? "caught-up"}"`).toEqual(
        summarize(full.slice(index + 1)),
      );
    }
  });

  it("X1 B7 a cursor whose deltas were compacted away gets a snapshot of the committed state, then live deltas", async () => {
    const server = await start({ engine: { timings: { streamCleanupDelayMs: 50 } } });
    const threadId = await createIdleThread(server, "demo");
    const firstSession = readUpdates(
      server.streams,
      { threadId, fromSeq: 1n },
      (updates) => deltasOf(updates).length === 1,
    );
    await firstSession.open;
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "hi" } });
    const oldCursor = (await firstSession.result).at(-1)?.cursor;
    expect(oldCursor).toMatchObject({ streamSeq: 1n, deltaSeq: 0n });
    await waitForThread(server.streams, threadId, isIdle);
    await waitUntilDeltasDeleted(server, threadId);

    const resumed = readUpdates(server.streams, { threadId, after: oldCursor }, streamFinished(2n));
    await resumed.open;
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "again" } });
    const updates = await resumed.result;

    const [snapshot, caught, ...live] = updates;
    expect(snapshot?.update.case).toBe("snapshot");
    expect(caught?.update.case).toBe("caughtUp");
    if (snapshot?.update.case === "snapshot") {
      const view = snapshot.update.value;
      expect(view.thread?.status).toBe(ThreadStatus.COMPLETED);
      expect(view.messages.map((message) => message.messageId)).toEqual(
        (await server.threads.listMessages({ threadId })).messages
          .slice(0, 2)
          .map((message) => message.messageId),
      );
    }
    // The snapshot stands for everything up to the end of stream 1; stream 2 follows live.
    expect(snapshot?.cursor?.streamSeq).toBe(1n);
    const liveDeltas = deltasOf(live);
    expect(liveDeltas.every((delta) => delta.streamSeq === 2n)).toBe(true);
    expect(streamedText(liveDeltas)).toBe("You said: again");
    expect(await committedAnswer(server, threadId)).toBe("You said: again");
  });
});

describe("X1 WatchThread", () => {
  it("X1 starts with a snapshot, then reports status, tool call, delta and message events live", async () => {
    const server = await start({});
    const threadId = await createIdleThread(server, "demo");
    const watching = readWatch(server.streams, { threadId }, (events) =>
      events.some(
        ({ event }) =>
          event.case === "thread" &&
          event.value.status === ThreadStatus.COMPLETED &&
          event.value.seq >= 3n,
      ),
    );
    await watching.open;
    await server.threads.sendMessage({
      threadId,
      content: { case: "prompt", value: "weather in Paris" },
    });
    const events = await watching.result;

    const [snapshot, caught] = events;
    expect(snapshot?.event.case).toBe("snapshot");
    if (snapshot?.event.case === "snapshot") {
      expect(snapshot.event.value.thread?.status).toBe(ThreadStatus.COMPLETED);
      expect(snapshot.event.value.messages).toEqual([]);
      expect(snapshot.event.value.toolCalls).toEqual([]);
    }
    expect(caught?.event.case).toBe("caughtUp");
    const kinds = new Set(events.map(({ event }) => event.case));
    expect([...kinds].sort()).toEqual(
      ["caughtUp", "delta", "message", "snapshot", "streamState", "thread", "toolCall"].sort(),
    );
    const statuses = events.flatMap(({ event }) =>
      event.case === "thread" ? [ThreadStatus[event.value.status]] : [],
    );
    // One commit adds the user's message and starts the loop: watchers hear of the state it
    // committed (STREAMING), not of the COMPLETED it passed through with the message added.
    expect(statuses[0]).toBe("STREAMING");
    expect(statuses.at(-1)).toBe("COMPLETED");
    const callStates = events.flatMap(({ event }) =>
      event.case === "toolCall" ? [ToolCallStatus[event.value.status]] : [],
    );
    expect(callStates[0]).toBe("PENDING");
    expect(callStates.at(-1)).toBe("COMPLETED");
    const messages = events.flatMap(({ event }) => (event.case === "message" ? [event.value] : []));
    expect(messages.at(-1)?.parts).toHaveLength(
      (await server.threads.listMessages({ threadId })).messages[1]?.parts.length ?? -1,
    );
    // Thread versions only increase, each reported once.
    const versions = events.flatMap(({ event }) =>
      event.case === "thread" ? [event.value.version] : [],
    );
    expect(versions).toEqual([...versions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it("X1 resuming with a cursor sends the current state and exactly the deltas after it", async () => {
    const server = await start(slowDemo);
    const threadId = await createIdleThread(server, "slow");
    const firstSession = readWatch(
      server.streams,
      { threadId },
      (events) => events.filter(({ event }) => event.case === "delta").length === 2,
    );
    await firstSession.open;
    await server.threads.sendMessage({
      threadId,
      content: { case: "prompt", value: LONG_PROMPT },
    });
    const before = await firstSession.result;
    const cursor = before.at(-1)?.cursor;
    await waitForThread(server.streams, threadId, isIdle);

    const resumed = await readWatch(server.streams, { threadId, after: cursor }, watchCaughtUp)
      .result;
    // The thread changed since the cursor: its current state comes first.
    const [snapshot, ...rest] = resumed;
    expect(snapshot?.event.case).toBe("snapshot");
    if (snapshot?.event.case === "snapshot") {
      expect(snapshot.event.value.thread?.status).toBe(ThreadStatus.COMPLETED);
      expect(snapshot.event.value.messages).toHaveLength(2);
    }
    const deltasIn = (events: readonly WatchThreadResponse[]) =>
      events.flatMap(({ event }) => (event.case === "delta" ? [event.value] : []));
    const all = [...deltasIn(before), ...deltasIn(rest)];
    expect(all.map((delta) => delta.deltaSeq)).toEqual(all.map((_, index) => BigInt(index)));
    expect(streamedText(all)).toBe(`You said: ${LONG_PROMPT}`);
    expect(all).toEqual(await storedDeltas(server, threadId));
    expect(rest.at(-1)?.event.case).toBe("caughtUp");

    // Resuming with the latest cursor: nothing changed since, so nothing is sent again.
    const latest = resumed.at(-1)?.cursor;
    const again = await readWatch(server.streams, { threadId, after: latest }, watchCaughtUp)
      .result;
    expect(again.map(({ event }) => event.case)).toEqual(["caughtUp"]);
  });
});
