// X4: a stock @grpc/grpc-js client that loads the `.proto` files with @grpc/proto-loader (no
// generated code, only `proto/` as include path) holds the demo conversation with a tool call
// (§8) and resumes StreamUpdates from a cursor with no duplicate and no gap (X1).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type LoaderMessage,
  loaderMessageText,
  outlineLoaderMessages,
  WEATHER_OUTLINE,
} from "./support/conversation-outline.js";
import {
  callUnary,
  connect,
  loadProtos,
  readServerStream,
  type ServiceClient,
} from "./support/grpc-js.js";
import {
  type InteropServer,
  LONG_PROMPT,
  startInteropServer,
  WEATHER_PROMPT,
} from "./support/interop-server.js";
import { expectExactResume, type ReadDelta } from "./support/resume-check.js";

// proto-loader's shapes of the messages this client reads (see support/grpc-js.ts).
interface LoaderThread {
  thread_id: string;
  agent: string;
  status: string;
  seq: string;
  active_stream_id?: string;
}

interface LoaderCursor {
  stream_seq: string;
  delta_seq: string;
}

interface LoaderDelta {
  stream_seq: string;
  delta_seq: string;
  message_id: string;
  chunks: { chunk?: string; text_delta?: { delta: string } }[];
}

interface LoaderStreamUpdate {
  update?: string;
  delta?: LoaderDelta;
  stream_state?: { stream_seq: string; status: string };
  cursor: LoaderCursor | null;
}

interface LoaderWatchEvent {
  event?: string;
  snapshot?: { thread: LoaderThread | null };
  thread?: LoaderThread;
}

const IDLE_STATUSES = ["THREAD_STATUS_COMPLETED", "THREAD_STATUS_FAILED", "THREAD_STATUS_STOPPED"];

const isIdle = (thread: LoaderThread | null | undefined): boolean =>
  thread !== null &&
  thread !== undefined &&
  IDLE_STATUSES.includes(thread.status) &&
  (thread.active_stream_id ?? "") === "";

const threadOf = (event: LoaderWatchEvent): LoaderThread | null | undefined =>
  event.event === "snapshot" ? event.snapshot?.thread : event.thread;

const readDelta = (delta: LoaderDelta): ReadDelta => ({
  streamSeq: Number(delta.stream_seq),
  deltaSeq: Number(delta.delta_seq),
  text: delta.chunks.map((chunk) => chunk.text_delta?.delta ?? "").join(""),
});

const deltasOf = (updates: readonly LoaderStreamUpdate[]): LoaderDelta[] =>
  updates.flatMap((update) => (update.delta === undefined ? [] : [update.delta]));

describe("X4 stock @grpc/grpc-js client with @grpc/proto-loader (no generated code)", () => {
  interface Clients {
    server: InteropServer;
    threads: ServiceClient;
    streams: ServiceClient;
  }
  let current: Clients | undefined;
  const clients = (): Clients => {
    if (current === undefined) throw new Error("the server did not start");
    return current;
  };

  beforeEach(async () => {
    const server = await startInteropServer();
    const root = loadProtos([
      "durable_agents/v1/thread_service.proto",
      "durable_agents/v1/stream_service.proto",
    ]);
    current = {
      server,
      threads: connect(root, "durable_agents.v1.ThreadService", server.address),
      streams: connect(root, "durable_agents.v1.StreamService", server.address),
    };
  });

  afterEach(async () => {
    current?.threads.close();
    current?.streams.close();
    await current?.server.close();
    current = undefined;
  });

  /** Watches the thread (WatchThread, through grpc-js) until its loop has ended. */
  async function waitUntilIdle(threadId: string): Promise<LoaderThread> {
    const { items } = await readServerStream<LoaderWatchEvent>(
      clients().streams,
      "WatchThread",
      { thread_id: threadId },
      { stop: (events) => isIdle(threadOf(events.at(-1) ?? {})) },
    );
    const thread = threadOf(items.at(-1) ?? {});
    if (thread === null || thread === undefined) throw new Error("WatchThread sent no thread");
    return thread;
  }

  async function listMessages(threadId: string): Promise<LoaderMessage[]> {
    const response = await callUnary<{ messages: LoaderMessage[] }>(
      clients().threads,
      "ListMessages",
      {
        thread_id: threadId,
      },
    );
    return response.messages;
  }

  it("X4 B1 B6 B15 B19 runs the weather conversation: the tool part with its output, then the answer", async () => {
    const { threads } = clients();
    const created = await callUnary<{ thread: LoaderThread }>(threads, "CreateThread", {
      agent: "demo",
      prompt: WEATHER_PROMPT,
    });
    expect(created.thread).toMatchObject({ agent: "demo", seq: "1" });
    const threadId = created.thread.thread_id;

    const done = await waitUntilIdle(threadId);
    expect(done.status).toBe("THREAD_STATUS_COMPLETED");

    expect(outlineLoaderMessages(await listMessages(threadId))).toEqual(WEATHER_OUTLINE);
    const fetched = await callUnary<{ thread: LoaderThread }>(threads, "GetThread", {
      thread_id: threadId,
    });
    expect(fetched.thread).toMatchObject({
      thread_id: threadId,
      status: "THREAD_STATUS_COMPLETED",
    });
  });

  it("X4 X1 resumes StreamUpdates with the cursor of the last update read: no duplicate, no gap", async () => {
    const { threads, streams } = clients();
    const created = await callUnary<{ thread: LoaderThread }>(threads, "CreateThread", {
      agent: "demo",
      prompt: WEATHER_PROMPT,
    });
    const threadId = created.thread.thread_id;
    const before = await waitUntilIdle(threadId);
    // The answer to the next message is written by the next stream (B2: seq = thread.seq + 1).
    const answerSeq = Number(before.seq) + 1;

    // First call: opened before the message is sent, read until two deltas carried text, then
    // cancelled in the middle of the answer.
    let sending: Promise<unknown> | undefined;
    const first = await readServerStream<LoaderStreamUpdate>(
      streams,
      "StreamUpdates",
      { thread_id: threadId, from_seq: String(answerSeq) },
      {
        onItem: (update) => {
          if (update.update === "caught_up" && sending === undefined) {
            sending = callUnary(threads, "SendMessage", {
              thread_id: threadId,
              prompt: LONG_PROMPT,
            });
            // Awaited below, once the reading ended; a failure is reported there.
            sending.catch(() => undefined);
          }
        },
        stop: (updates) =>
          deltasOf(updates).filter((delta) => readDelta(delta).text !== "").length >= 2,
      },
    );
    await sending;
    expect(first.outcome).toBe("stopped");
    const cursor = first.items.at(-1)?.cursor;
    if (cursor === null || cursor === undefined) throw new Error("the last update has no cursor");

    // Resumed call: from that cursor to the end of the answer's stream.
    const resumed = await readServerStream<LoaderStreamUpdate>(
      streams,
      "StreamUpdates",
      { thread_id: threadId, after: cursor },
      {
        stop: (updates) =>
          updates.some(
            (update) =>
              update.stream_state?.stream_seq === String(answerSeq) &&
              update.stream_state.status === "STREAM_STATUS_FINISHED",
          ),
      },
    );

    await waitUntilIdle(threadId);
    const answer = (await listMessages(threadId)).at(-1);
    expect(answer?.role).toBe("ROLE_ASSISTANT");
    expectExactResume({
      streamSeq: answerSeq,
      firstCall: deltasOf(first.items).map(readDelta),
      resumedCall: deltasOf(resumed.items).map(readDelta),
      committedText: loaderMessageText(answer),
    });
    // Every delta of the answer belongs to the committed message.
    const messageIds = new Set(
      deltasOf([...first.items, ...resumed.items]).map((d) => d.message_id),
    );
    expect([...messageIds]).toEqual([answer?.message_id]);
  });
});
