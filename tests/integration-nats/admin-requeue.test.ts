// X10 in the scaled deployment: a sync call handed to NATS while no runner serves its tool waits
// in the work queue; ListStuck names it, RequeueToolCall publishes attempt 2 under its own
// Nats-Msg-Id (so JetStream does not drop it as a duplicate), and when a runner comes only
// attempt 2's outcome counts: the conversation completes once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { protoValueToJson } from "@durable-agents/core";
import {
  StuckReason,
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
} from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitForLines } from "../faults/support/file-lines.js";
import { listAllMessages, outline } from "../support/conversation.js";
import {
  createScriptedModel,
  textReply,
  toolCallReply,
  toolResultsSeen,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, startRunner } from "./support/runners.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;
const DEADLINE_MS = 20_000;
/** Between two looks at a polled condition (the deadline bounds the wait). */
const POLL_INTERVAL_MS = 20;

/** A clock the test moves forward; the server reads it for every decision. */
function createClock() {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

async function pollUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${DEADLINE_MS} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

describe.skipIf(skip)(
  skip ? `RequeueToolCall over NATS — SKIPPED: ${missing}` : "RequeueToolCall over NATS (X10)",
  { timeout: 60_000 },
  () => {
    let prefix: string;
    let dataDir: string;
    let toolLog: string;
    let server: TestServer;
    let clock: ReturnType<typeof createClock>;

    beforeEach(async () => {
      clock = createClock();
      prefix = randomPrefix();
      dataDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-requeue-"));
      toolLog = join(dataDir, "executions.log");
      const scripted = createScriptedModel((index, call) =>
        index === 0
          ? toolCallReply("call_rec", "record_call", { label: "first" })
          : textReply(`seen: ${toolResultsSeen(call).join(" | ")}`),
      );
      server = await startTestServer({
        config: { nats: { url: sharedNatsUrl, prefix } },
        agents: [{ name: "recorder", model: scripted.model, tools: ["record_call"] }],
        // Periodic recovery would re-dispatch what the test wants listed and requeued.
        engine: { now: clock.now, recoveryIntervalMs: 3_600_000 },
      });
      // The start-up recovery (B20) has run once it re-armed itself an interval ahead; run after
      // the test moved the clock, it would re-dispatch what the test wants listed.
      const { context } = server.server.engine;
      await pollUntil(async () => {
        const job = await context.store.findJob("recovery", "recovery");
        return job !== undefined && job.leaseOwner === null && job.runAt > context.now() + 60_000;
      }, "the start-up recovery");
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      await killAllRunners();
      await server.close();
      await deleteStreams(sharedNatsUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }, HOOK_TIMEOUT_MS);

    const runner = (name: string) =>
      startRunner({
        natsUrl: sharedNatsUrl,
        prefix,
        name,
        testTools: true,
        env: { NATS_TEST_TOOL_LOG: toolLog },
      });

    /** Resolves once the dispatch job of the attempt has published it (its job is gone). */
    const published = (threadId: string, attempt: number) =>
      pollUntil(
        async () =>
          (await server.server.engine.context.store.findJob(
            "dispatch_tool",
            `${threadId}:call_rec:${attempt}`,
          )) === undefined,
        `the publish of attempt ${attempt}`,
      );

    it("X10 B20 a call queued with no runner is listed, requeued as attempt 2, and completes once when a runner comes", async () => {
      // A runner registers the tool, so the model knows it, then goes away.
      const first = await runner("runner-gone");
      await first.waitForLog("tools registered with a server");
      await first.kill();

      const { thread } = await server.threads.createThread({ agent: "recorder", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
      await published(threadId, 1);
      expect(await server.admin.listStuck({})).toMatchObject({ threads: [], toolCalls: [] });

      clock.advance(61_000);
      const stuck = await server.admin.listStuck({});
      expect(stuck.threads).toEqual([]);
      expect(
        stuck.toolCalls.map((entry) => [entry.toolCall?.toolCallId, StuckReason[entry.reason]]),
      ).toEqual([["call_rec", "TOOL_NOT_CLAIMED"]]);
      expect(stuck.toolCalls[0]?.detail).toMatch(
        /^attempt 1 was handed to the runners 1m(\d+s)? ago and no runner has taken it$/,
      );

      const { toolCall: requeued } = await server.admin.requeueToolCall({
        threadId,
        toolCallId: "call_rec",
      });
      expect(requeued).toMatchObject({
        status: ToolCallStatus.PENDING,
        attempt: 2,
        executionState: ToolExecutionState.QUEUED,
      });
      await published(threadId, 2);

      // Attempt 2 runs on the new runner; attempt 1 may run too (it waits in the work queue, or
      // comes back once the dead runner's delivery times out), and then its outcome is ignored.
      await runner("runner-new");
      const lines = await waitForLines(
        toolLog,
        (all) => all.includes(`runner-new ${threadId}:call_rec 2`),
        DEADLINE_MS,
      );
      expect(lines.filter((line) => line.endsWith(" 2"))).toEqual([
        `runner-new ${threadId}:call_rec 2`,
      ]);
      for (const line of lines)
        expect(line).toMatch(new RegExp(`^runner-new ${threadId}:call_rec [12]$`));
      const done = await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      const { toolCall } = await server.toolCalls.getToolCall({ threadId, toolCallId: "call_rec" });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.COMPLETED,
        attempt: 2,
        runnerId: "runner-new",
      });
      expect(protoValueToJson(toolCall?.result)).toEqual({ recorded: "first" });
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:go"],
        [
          "assistant",
          "tool-record_call:output-available",
          `text:seen: call_rec: ${JSON.stringify({ type: "json", value: { recorded: "first" } })}`,
        ],
      ]);
      expect(await server.admin.listStuck({})).toMatchObject({ threads: [], toolCalls: [] });
    });
  },
);
