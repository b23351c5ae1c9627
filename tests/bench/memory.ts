// Resident memory of the embedded server (a bench-server.ts process, SQLite file) per idle thread
// and per active stream. Each reading follows a full GC in the server. Idle threads: `streams`
// threads created (no turn). Active streams: the same threads each in a turn that has streamed
// 50 text deltas (written, throttle 250 ms) and holds its model stream open, each watched by one
// WatchThread client — a chat with its answer half-way. Per item = growth / `streams`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forEachConcurrently } from "./concurrency.js";
import { HOLD_AGENT, LAST_HELD_DELTA } from "./hold-model.js";
import { type MemoryReport, type ServerProcess, startServerProcess } from "./server-process.js";
import { type ThreadWatch, watchThread } from "./thread-watch.js";

export interface MemorySample {
  streams: number;
  /** Growth per idle thread, KiB: resident (rss) and V8 heap. */
  idleThread: { rssKiB: number; heapKiB: number };
  /** Growth per active stream over the idle threads, KiB. */
  activeStream: { rssKiB: number; heapKiB: number };
}

/** Requests in flight while creating threads and starting turns, as a client pool would. */
const CLIENT_CONCURRENCY = 32;
const WAIT_TIMEOUT_MS = 60_000;

function growthKiB(before: MemoryReport, after: MemoryReport, count: number) {
  const perItem = (bytes: number) => Math.round((bytes / 1024 / count) * 100) / 100;
  return {
    rssKiB: perItem(after.rss - before.rss),
    heapKiB: perItem(after.heapUsed - before.heapUsed),
  };
}

/** Starts a held turn on each thread (watched) and waits until every watcher saw its deltas. */
async function holdTurns(
  server: ServerProcess,
  threadIds: readonly string[],
): Promise<ThreadWatch[]> {
  const watches = threadIds.map((threadId) => watchThread(server.streams, threadId));
  try {
    await forEachConcurrently(threadIds, CLIENT_CONCURRENCY, async (threadId, index) => {
      await watches[index]?.waitFor(() => true, "snapshot", WAIT_TIMEOUT_MS);
      await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "go" } });
    });
    await Promise.all(watches.map((watch) => watch.sawText(LAST_HELD_DELTA, WAIT_TIMEOUT_MS)));
    return watches;
  } catch (error: unknown) {
    for (const watch of watches) watch.close();
    throw error;
  }
}

async function createThreads(server: ServerProcess, count: number): Promise<string[]> {
  const threadIds: string[] = [];
  await forEachConcurrently(Array.from({ length: count }), CLIENT_CONCURRENCY, async () => {
    const { thread } = await server.threads.createThread({ agent: HOLD_AGENT });
    threadIds.push(thread?.threadId ?? "");
  });
  return threadIds;
}

/** Held turns on `count` threads, then StopThread on each: the warm-up of every path measured. */
async function warmUp(server: ServerProcess, count: number): Promise<void> {
  const threadIds = await createThreads(server, count);
  const watches = await holdTurns(server, threadIds);
  try {
    await forEachConcurrently(threadIds, CLIENT_CONCURRENCY, async (threadId) => {
      await server.threads.stopThread({ threadId });
    });
    await Promise.all(
      watches.map((watch) =>
        watch.waitFor((thread) => thread.activeStreamId === undefined, "stop", WAIT_TIMEOUT_MS),
      ),
    );
  } finally {
    for (const watch of watches) watch.close();
  }
}

export async function measureMemory(streams: number, warmupStreams: number): Promise<MemorySample> {
  const dataDir = mkdtempSync(join(tmpdir(), "durable-agents-bench-memory-"));
  let server: ServerProcess | undefined;
  let watches: ThreadWatch[] = [];
  try {
    server = await startServerProcess("the memory bench server", {
      store: `sqlite:${join(dataDir, "agents.db")}`,
      limits: {
        maxConcurrentTurns: streams + warmupStreams,
        maxStreamsPerPrincipal: streams + warmupStreams,
      },
    });
    await warmUp(server, warmupStreams);
    const base = await server.memory();
    const threadIds = await createThreads(server, streams);
    const idle = await server.memory();
    watches = await holdTurns(server, threadIds);
    const active = await server.memory();
    return {
      streams,
      idleThread: growthKiB(base, idle, streams),
      activeStream: growthKiB(idle, active, streams),
    };
  } finally {
    for (const watch of watches) watch.close();
    // The held turns never end on their own: the server is killed, not drained.
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
