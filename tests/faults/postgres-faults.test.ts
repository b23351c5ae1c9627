// Fault cases of the PostgreSQL deployment (issue #7, DESIGN §4, §9): a server replica SIGKILLed
// mid-turn, whose turn another replica takes over once the dead one's stream is stale (B2's
// liveness threshold: on a shared store no replica can tell a dead peer from a slow one sooner);
// and every database connection terminated mid-turn, which the store rides out with retries.
// Servers are separate processes on a fresh database; each case compares the final conversation
// exactly.
import { ThreadStatus } from "@durable-agents/core/proto";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { killAllChildServers, startChildServer } from "./support/child-server.js";
import { faultCase } from "./support/fault-case.js";
import { waitForStreamedText } from "./support/streamed-text.js";

/**
 * A dead replica's stream counts as alive for 4/3 of the heartbeat interval after its last
 * heartbeat (B2: 40 s in production, 8 s here); recovery runs every second here. The bound leaves
 * room for a loaded machine.
 */
const TAKEOVER_TIMEOUT_MS = 120_000;
/** Word-sized deltas `chunkDelayMs` apart: the answer's 61 words stream for 60 times that. */
const demoConfig = (chunkDelayMs: number) => ({
  providers: { demo: { type: "demo", chunkDelayMs } },
});
/**
 * Periodic recovery (B20) every second, so a survivor notices a dead peer's turn promptly, and
 * heartbeats every 6 s (B3), so a dead peer's stream is stale after 8 s.
 */
const env = {
  CRASH_SERVER_RECOVERY_INTERVAL_MS: "1000",
  CRASH_SERVER_HEARTBEAT_INTERVAL_MS: "6000",
};
const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");
const answer = `You said: ${prompt}`;

/** Terminates every other connection to the database; returns how many were ended. */
async function terminateConnections(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url, application_name: "faults-admin" });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ terminated: boolean }>(
      "select pg_terminate_backend(pid) as terminated from pg_stat_activity " +
        "where datname = current_database() and pid <> pg_backend_pid()",
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await admin.end();
  }
}

/** The fault cases of this file, as `pnpm test:faults` lists them. */
const CASES = {
  replicaKilledMidTurn: faultCase(
    27,
    "postgres",
    "server replica SIGKILL mid-turn",
    "B2 B3 B20 another replica takes the turn over once it is stale and commits the answer once",
  ),
  connectionsTerminated: faultCase(
    28,
    "postgres",
    "every database connection terminated mid-turn",
    "§4 the store retries on new connections and the turn commits its answer once",
  ),
};

// An unreachable PostgreSQL fails these cases loudly (createTestDatabase says where it looked).
describe("PostgreSQL fault cases (issue #7, DESIGN §9)", { timeout: 150_000 }, () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  }, 30_000);
  afterEach(async () => {
    await killAllChildServers();
    await database.drop();
  }, 30_000);

  it(CASES.replicaKilledMidTurn, async () => {
    // A turn that streams for half a minute is still running when the survivor has started
    // next to it, even on a loaded machine.
    const first = await startChildServer({ store: database.url, config: demoConfig(500), env });
    const { thread } = await first.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    const streamed = await waitForStreamedText(first.streams, threadId);
    // The survivor starts while the first replica's turn is alive, so it cannot take the
    // turn before the kill; its start-up recovery leaves the live turn alone.
    const second = await startChildServer({ store: database.url, config: demoConfig(0), env });
    await first.kill();
    expect(answer.startsWith(streamed.text)).toBe(true);
    // The kill landed mid-turn: the dead replica's stream is still the thread's.
    const { thread: orphaned } = await second.threads.getThread({ threadId });
    expect(orphaned?.status).toBe(ThreadStatus.STREAMING);
    expect(orphaned?.seq).toBe(streamed.streamSeq);

    const done = await waitForThread(second.streams, threadId, isIdle, TAKEOVER_TIMEOUT_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    // The dead replica's stream, then the survivor's: one more turn, no other.
    expect(done.seq).toBe(streamed.streamSeq + 1n);
    const messages = await listAllMessages(second.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:${answer}`],
    ]);
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
  });

  it(CASES.connectionsTerminated, async () => {
    // The turn streams for twelve seconds, well past the termination.
    const server = await startChildServer({ store: database.url, config: demoConfig(200), env });
    const { thread } = await server.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    await waitForStreamedText(server.streams, threadId);
    // The server's pooled connections end under it while the turn writes its deltas.
    expect(await terminateConnections(database.url)).toBeGreaterThan(0);
    const { thread: during } = await server.threads.getThread({ threadId });
    expect(during?.status).toBe(ThreadStatus.STREAMING);

    // A connection lost during a COMMIT leaves the turn's write unknown: the turn then gives
    // its stream up and recovery reruns it after the liveness threshold (B2), hence the bound.
    const done = await waitForThread(server.streams, threadId, isIdle, TAKEOVER_TIMEOUT_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:${answer}`],
    ]);
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
  });
});
