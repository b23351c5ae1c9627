// Sustained tool loops per second: THREADS threads, each a client that sends "go", waits on its
// open WatchThread until the loop (tool call + 50-delta answer) is committed, and sends again,
// for a fixed time, against one or more server processes (bench-server.ts) — the clients in this
// process, the servers in theirs. Loops that end in the measured window (after a warm-up window)
// count; their durations (SendMessage to the committed answer) give the latency under load.
import { performance } from "node:perf_hooks";
import { listAllMessages, outline } from "../support/conversation.js";
import type { clientsFor } from "../support/test-server.js";
import { BENCH_AGENTS } from "./durable.js";
import { ANSWER_TEXT, NOOP_TOOL_NAME } from "./instant-model.js";
import { hasFinishedLoopAfter, watchThread } from "./thread-watch.js";

type Clients = ReturnType<typeof clientsFor>;

export interface ThroughputOptions {
  /** Threads working at once, spread round-robin over the servers. */
  threads: number;
  /** Loops ending in this first window are not counted. */
  warmupMs: number;
  /** The measured window. */
  durationMs: number;
}

export interface ThroughputSample {
  /** Loops per second in the measured window. */
  loopsPerSecond: number;
  /** Durations of the loops that ended in the measured window, in ms. */
  durationsMs: number[];
  /** Loops that ended in the measured window. */
  loops: number;
}

/** How long one loop may take under load before the figure fails. */
const LOOP_TIMEOUT_MS = 60_000;

async function checkConversation(clients: Clients, threadId: string, loops: number) {
  const actual = JSON.stringify(outline(await listAllMessages(clients.threads, threadId)));
  const loop = [
    ["user", "text:go"],
    ["assistant", `tool-${NOOP_TOOL_NAME}:output-available`, `text:${ANSWER_TEXT}`],
  ];
  const expected = JSON.stringify(Array.from({ length: loops }, () => loop).flat());
  if (actual !== expected) {
    throw new Error(`thread ${threadId} does not hold its ${loops} loops: ${actual}`);
  }
}

export async function measureThroughput(
  servers: readonly Clients[],
  options: ThroughputOptions,
): Promise<ThroughputSample> {
  const startAt = performance.now();
  const windowStart = startAt + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const durationsMs: number[] = [];
  let loopsInWindow = 0;
  const runThread = async (index: number) => {
    const clients = servers[index % servers.length] as Clients;
    const { thread } = await clients.threads.createThread({ agent: BENCH_AGENTS.defaults });
    const threadId = thread?.threadId ?? "";
    const watch = watchThread(clients.streams, threadId);
    let loops = 0;
    try {
      await watch.waitFor(() => true, "snapshot", LOOP_TIMEOUT_MS);
      while (performance.now() < windowEnd) {
        const start = performance.now();
        let sentVersion: bigint;
        try {
          const sent = await clients.threads.sendMessage({
            threadId,
            content: { case: "prompt", value: "go" },
          });
          sentVersion = sent.thread?.version ?? 0n;
        } catch (error: unknown) {
          // The last loop ended (COMPLETED, no active stream): nothing may be running now.
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(
            `thread ${threadId} refused loop ${loops + 1} after loop ${loops} ended: ${reason}`,
          );
        }
        loops += 1;
        await watch.waitFor(
          hasFinishedLoopAfter(sentVersion),
          `end of loop ${loops}`,
          LOOP_TIMEOUT_MS,
        );
        const end = performance.now();
        if (end < windowStart || end > windowEnd) continue;
        loopsInWindow += 1;
        durationsMs.push(end - start);
      }
    } finally {
      watch.close();
    }
    return { clients, threadId, loops };
  };
  const threads = await Promise.all(
    Array.from({ length: options.threads }, (_, i) => runThread(i)),
  );
  // Every loop of one thread is in its conversation, whole: a figure never times a shortcut.
  const last = threads.at(-1);
  if (last !== undefined) await checkConversation(last.clients, last.threadId, last.loops);
  return {
    loopsPerSecond: loopsInWindow / (options.durationMs / 1000),
    durationsMs,
    loops: loopsInWindow,
  };
}
