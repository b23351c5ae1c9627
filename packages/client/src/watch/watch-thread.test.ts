import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors.js";
import type { Thread, ThreadView, WatchCursor, WatchEvent } from "../types.js";
import { type OpenWatch, type ReconnectInfo, watchThreadViews } from "./watch-thread.js";

const thread: Thread = {
  threadId: "t1",
  agent: "demo",
  status: "completed",
  stopSignal: false,
  activeStreamId: undefined,
  retryState: undefined,
  failure: undefined,
  seq: 0,
  version: 1,
  queuedMessageCount: 0,
  usage: {
    inputTokens: undefined,
    inputTokenDetails: {
      noCacheTokens: undefined,
      cacheReadTokens: undefined,
      cacheWriteTokens: undefined,
    },
    outputTokens: undefined,
    outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
    totalTokens: undefined,
  },
  createTime: undefined,
  updateTime: undefined,
  metadata: {},
};

const at = (threadVersion: number): WatchCursor => ({
  stream: { streamSeq: 0, deltaSeq: Number.MAX_SAFE_INTEGER },
  threadVersion,
});

const snapshotEvent = (version: number): WatchEvent => ({
  type: "snapshot",
  snapshot: { thread: { ...thread, version }, messages: [], details: [], toolCalls: [] },
  cursor: at(version),
});
const caughtUp = (version: number): WatchEvent => ({ type: "caught_up", cursor: at(version) });

/** One scripted call: its events, then how it ends. */
interface ScriptedCall {
  events: WatchEvent[];
  end: "error" | "fatal" | "unreadable" | "clean" | "hang";
}

/** An OpenWatch that plays the calls in order and records what each was asked for. */
function scripted(calls: ScriptedCall[]) {
  const requests: { after: WatchCursor | undefined; historyOnly: boolean }[] = [];
  const cancelled: boolean[] = [];
  const open: OpenWatch = ({ after, historyOnly, signal }) => {
    const index = requests.length;
    requests.push({ after, historyOnly });
    const call = calls[index] ?? { events: [], end: "hang" };
    cancelled[index] = false;
    signal.addEventListener("abort", () => {
      cancelled[index] = true;
    });
    return (async function* () {
      for (const event of call.events) yield event;
      if (call.end === "error") throw new ConnectError("connection reset", Code.Unavailable);
      if (call.end === "fatal") throw new ConnectError("no thread t1", Code.NotFound);
      if (call.end === "unreadable") throw new ProtocolError("the server sent no thread");
      if (call.end === "hang") {
        if (!signal.aborted) {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        }
        throw new ConnectError("cancelled", Code.Canceled);
      }
    })();
  };
  return { open, requests, cancelled };
}

async function collect(iterable: AsyncIterable<ThreadView>, count: number): Promise<ThreadView[]> {
  const views: ThreadView[] = [];
  for await (const view of iterable) {
    views.push(view);
    if (views.length === count) break;
  }
  return views;
}

describe("watchThreadViews", () => {
  it("X1 reconnects after a network error, resuming after the last event's cursor", async () => {
    const { open, requests } = scripted([
      { events: [snapshotEvent(3), caughtUp(3)], end: "error" },
      { events: [caughtUp(3)], end: "hang" },
    ]);
    const reconnects: ReconnectInfo[] = [];
    const views = await collect(
      watchThreadViews(open, { random: () => 0, onReconnect: (info) => reconnects.push(info) }),
      4,
    );
    expect(views.map((view) => [view.connection, view.caughtUp])).toEqual([
      ["connected", false],
      ["connected", true],
      ["reconnecting", false],
      ["connected", true],
    ]);
    expect(requests.map((request) => request.after)).toEqual([undefined, at(3)]);
    expect(
      reconnects.map(({ attempt, delayMs, error }) => [attempt, delayMs, error?.name]),
    ).toEqual([[1, 0, "UnavailableError"]]);
  });

  it("starts after a given cursor with thread version 0, so the server sends the committed state", async () => {
    const { open, requests } = scripted([{ events: [snapshotEvent(5)], end: "hang" }]);
    await collect(watchThreadViews(open, { cursor: at(4) }), 1);
    expect(requests[0]?.after).toEqual(at(0));
  });

  it("throws an error a new call would repeat, such as NOT_FOUND", async () => {
    const { open, requests } = scripted([{ events: [], end: "fatal" }]);
    await expect(collect(watchThreadViews(open), 1)).rejects.toMatchObject({
      name: "NotFoundError",
    });
    expect(requests).toHaveLength(1);
  });

  it("does not retry a response it cannot read: the next one would be the same", async () => {
    const { open, requests } = scripted([{ events: [], end: "unreadable" }]);
    await expect(collect(watchThreadViews(open), 1)).rejects.toMatchObject({
      name: "ProtocolError",
    });
    expect(requests).toHaveLength(1);
  });

  it("gives up after maxAttempts failed reconnects in a row", async () => {
    const { open, requests } = scripted([
      { events: [], end: "error" },
      { events: [], end: "error" },
      { events: [], end: "error" },
    ]);
    await expect(
      collect(watchThreadViews(open, { random: () => 0, reconnect: { maxAttempts: 2 } }), 1),
    ).rejects.toMatchObject({ name: "UnavailableError" });
    expect(requests).toHaveLength(3);
  });

  it("with reconnect: false throws the first network error", async () => {
    const { open } = scripted([{ events: [snapshotEvent(1)], end: "error" }]);
    const views: ThreadView[] = [];
    await expect(
      (async () => {
        for await (const view of watchThreadViews(open, { reconnect: false })) views.push(view);
      })(),
    ).rejects.toMatchObject({ name: "UnavailableError" });
    expect(views).toHaveLength(1);
  });

  it("live: false asks for the history only and ends after it", async () => {
    const { open, requests } = scripted([
      { events: [snapshotEvent(2), caughtUp(2)], end: "clean" },
    ]);
    const views: ThreadView[] = [];
    for await (const view of watchThreadViews(open, { live: false })) views.push(view);
    expect(views.at(-1)?.caughtUp).toBe(true);
    expect(requests).toEqual([{ after: undefined, historyOnly: true }]);
  });

  it("the caller's signal ends the iteration quietly and cancels the call", async () => {
    const { open, cancelled } = scripted([{ events: [snapshotEvent(1)], end: "hang" }]);
    const stop = new AbortController();
    const views: ThreadView[] = [];
    for await (const view of watchThreadViews(open, { signal: stop.signal })) {
      views.push(view);
      stop.abort();
    }
    expect(views).toHaveLength(1);
    expect(cancelled).toEqual([true]);
  });

  it("leaving the loop cancels the call", async () => {
    const { open, cancelled } = scripted([{ events: [snapshotEvent(1)], end: "hang" }]);
    await collect(watchThreadViews(open), 1);
    expect(cancelled).toEqual([true]);
  });
});
