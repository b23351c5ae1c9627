// The durable tool loop figures: a server in this process (port 0; the embedded default on a
// SQLite temp file with in-process tools, or a PostgreSQL store, or NATS-run tools) driven through
// real HTTP/2 gRPC. One tool loop is SendMessage → the model calls `noop` → the tool runs → the
// model answers with 50 deltas → the answer is committed and the thread is COMPLETED, seen on a
// WatchThread stream opened before the clock starts (as a client watching its thread would).
import type { Client } from "@connectrpc/connect";
import { protoToUIMessage } from "@durable-agents/core";
import { Role, type StreamService, ThreadStatus } from "@durable-agents/core/proto";
import type { ProgrammaticAgent, StreamingOptions } from "@durable-agents/server";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { deferred } from "./deferred.js";
import {
  ANSWER_TEXT,
  createInstantToolLoopModel,
  NOOP_TOOL_NAME,
  type ToolHopClock,
  type ToolHopRecorder,
} from "./instant-model.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";
import { noopTool } from "./noop-tool.js";

/** The streaming options a programmatic agent gets when it gives none (createServer). */
export const DEFAULT_STREAMING: StreamingOptions = {
  saveDeltas: true,
  throttleMs: 250,
  includeToolInputDeltas: false,
};

/** The tool-loop agents measured, each with its own instant model. */
export const BENCH_AGENTS = {
  /** No streaming options: the defaults (DEFAULT_STREAMING). */
  defaults: "bench",
  /** Every chunk written as soon as it arrives. */
  throttle0: "bench_throttle_0",
  /** No delta rows at all: only the committed messages. */
  noDeltas: "bench_no_deltas",
} as const;

/** The tool-loop agents; their models report each durable tool hop to `hops`. */
export function toolLoopAgents(hops?: ToolHopClock): ProgrammaticAgent[] {
  const tools = [NOOP_TOOL_NAME];
  return [
    { name: BENCH_AGENTS.defaults, model: createInstantToolLoopModel(hops), tools },
    {
      name: BENCH_AGENTS.throttle0,
      model: createInstantToolLoopModel(hops),
      tools,
      streaming: { ...DEFAULT_STREAMING, throttleMs: 0 },
    },
    {
      name: BENCH_AGENTS.noDeltas,
      model: createInstantToolLoopModel(hops),
      tools,
      streaming: { ...DEFAULT_STREAMING, saveDeltas: false },
    },
  ];
}

/** Where a bench server keeps its state and runs its tools. */
export interface BenchServerOptions {
  /** A `postgres://…` store; the default is a fresh SQLite file. */
  store?: string;
  /** The server's NATS transport (config `nats`): tools run in runner processes, not in-process. */
  nats?: { url: string; prefix: string };
  agents: readonly ProgrammaticAgent[];
}

/** A server in this process on port 0 (its SQLite file, if any, in a fresh folder). */
export function startBenchServer(options: BenchServerOptions): Promise<TestServer> {
  return startTestServer({
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.nats === undefined ? { tools: [noopTool] } : { config: { nats: options.nats } }),
    agents: options.agents,
  });
}

/** Runs `use` against a fresh bench server and closes it after. */
export async function withBenchServer(
  options: BenchServerOptions,
  use: (test: TestServer) => Promise<void>,
): Promise<void> {
  const test = await startBenchServer(options);
  try {
    await use(test);
  } finally {
    await test.close();
  }
}

/** A WatchThread call that resolves `ready` on its snapshot and `answered` on the loop's end. */
interface LoopWatch {
  ready: Promise<void>;
  answered: Promise<void>;
  close(): void;
}

function watchLoop(
  streams: Client<typeof StreamService>,
  threadId: string,
  timeoutMs: number,
): LoopWatch {
  const ready = deferred<void>();
  const answered = deferred<void>();
  // Connect's iterators do not cancel the call when a loop leaves early: the signal does.
  const closed = new AbortController();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([closed.signal, deadline]);
  let answerCommitted = false;
  let loopEnded = false;
  const consume = async () => {
    for await (const { event } of streams.watchThread({ threadId }, { signal })) {
      if (event.case === "snapshot") ready.resolve();
      if (event.case === "message" && event.value.role === Role.ASSISTANT) {
        answerCommitted ||= textOf(protoToUIMessage(event.value)) === ANSWER_TEXT;
      }
      if (event.case === "thread") {
        const thread = event.value;
        if (thread.status === ThreadStatus.FAILED) throw new Error(`thread ${threadId} failed`);
        // A new thread is COMPLETED at seq 0; the tool loop's two turns end it at seq ≥ 2.
        loopEnded ||=
          thread.status === ThreadStatus.COMPLETED &&
          thread.activeStreamId === undefined &&
          thread.seq >= 2n;
      }
      if (answerCommitted && loopEnded) {
        answered.resolve();
        return;
      }
    }
    throw new Error(`the watch of thread ${threadId} ended before the answer`);
  };
  consume().then(
    () => closed.abort(),
    (error: unknown) => {
      const reason = deadline.aborted
        ? new Error(`thread ${threadId} did not answer within ${timeoutMs} ms`)
        : error;
      ready.reject(reason);
      answered.reject(reason);
    },
  );
  return { ready: ready.promise, answered: answered.promise, close: () => closed.abort() };
}

/** A tool loop's durations and the last thread measured, whose conversation was checked. */
export interface ToolLoopSample extends Sample {
  lastThreadId: string;
  /** The durable tool hop of each measured loop, in ms, when the agent's model reported it. */
  hopsMs: number[];
}

/** The durable tool loop of one agent, timed from SendMessage to the committed answer. */
export async function measureToolLoop(
  test: TestServer,
  agent: string,
  options: MeasureOptions,
  hops?: ToolHopRecorder,
): Promise<ToolLoopSample> {
  let lastThreadId = "";
  hops?.take();
  const hopsPerLoop: number[][] = [];
  const sample = await measure(
    options,
    async () => {
      const { thread } = await test.threads.createThread({ agent });
      const threadId = thread?.threadId ?? "";
      const watch = watchLoop(test.streams, threadId, 30_000);
      await watch.ready;
      lastThreadId = threadId;
      return { threadId, watch };
    },
    async ({ threadId, watch }) => {
      try {
        await test.threads.sendMessage({ threadId, content: { case: "prompt", value: "go" } });
        await watch.answered;
      } finally {
        watch.close();
      }
      hopsPerLoop.push(hops?.take() ?? []);
    },
  );
  await assertToolLoopConversation(test, lastThreadId);
  // The warm-up loops come first; their hops are not part of the figure.
  const hopsMs = hopsPerLoop.slice(options.warmup).flat();
  if (hops !== undefined && hopsMs.length !== options.iterations) {
    throw new Error(`${hopsMs.length} tool hops were timed in ${options.iterations} loops`);
  }
  return { ...sample, lastThreadId, hopsMs };
}

/** Checks the last measured thread holds the whole loop, so a figure never times a shortcut. */
async function assertToolLoopConversation(test: TestServer, threadId: string): Promise<void> {
  const actual = JSON.stringify(outline(await listAllMessages(test.threads, threadId)));
  const expected = JSON.stringify([
    ["user", "text:go"],
    ["assistant", `tool-${NOOP_TOOL_NAME}:output-available`, `text:${ANSWER_TEXT}`],
  ]);
  if (actual !== expected) {
    throw new Error(`unexpected conversation in ${threadId}: ${actual}`);
  }
}

/** One connect-node unary round trip on the same server: GetThread of an existing thread. */
export async function measureGetThread(test: TestServer, options: MeasureOptions): Promise<Sample> {
  const { thread } = await test.threads.createThread({ agent: BENCH_AGENTS.defaults });
  const threadId = thread?.threadId ?? "";
  return measure(
    options,
    () => undefined,
    async () => {
      const response = await test.threads.getThread({ threadId });
      if (response.thread?.threadId !== threadId)
        throw new Error("GetThread returned another thread");
    },
  );
}
