// Issue #4 acceptance (X9, B11, B18): StopThread and a passed deadline reach the runner process:
// the long tool's handler observes its AbortSignal within 1 s, and the thread ends as it should.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLines, waitForLines } from "../faults/support/file-lines.js";
import { listAllMessages, outline } from "../support/conversation.js";
import {
  createScriptedModel,
  textReply,
  toolCallReply,
  toolResultsSeen,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, startRunner } from "./support/runners.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;

const CANCELLED_BY_STOP = "Tool execution cancelled because the thread was stopped";

/** The epoch ms of the runner's "aborted" line for the call. */
function abortedAt(lines: readonly string[], callId: string): number {
  const line = lines.find((entry) => entry.startsWith("aborted ") && entry.includes(callId));
  return Number(line?.split(" ")[3]);
}

describe.skipIf(skip)(
  skip ? `stop over NATS — SKIPPED: ${missing}` : "cancellation reaches the runner (X9)",
  { timeout: 60_000 },
  () => {
    let prefix: string;
    let dataDir: string;
    let toolLog: string;
    let server: TestServer;

    beforeEach(async () => {
      prefix = randomPrefix();
      dataDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-stop-"));
      toolLog = join(dataDir, "executions.log");
      const scripted = createScriptedModel((index, call) =>
        index === 0
          ? toolCallReply("call_slow", "slow_step", { label: "long" })
          : textReply(`seen: ${toolResultsSeen(call).join(" | ")}`),
      );
      server = await startTestServer({
        config: { nats: { url: sharedNatsUrl, prefix } },
        agents: [{ name: "slow", model: scripted.model, tools: ["slow_step"] }],
      });
      const runner = await startRunner({
        natsUrl: sharedNatsUrl,
        prefix,
        name: "runner-a",
        testTools: true,
        // The gate never opens: only an abort ends the handler.
        env: { NATS_TEST_TOOL_LOG: toolLog, NATS_TEST_GATE: join(dataDir, "never") },
      });
      await runner.waitForLog("tools registered with a server");
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      await killAllRunners();
      await server.close();
      await deleteStreams(sharedNatsUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }, HOOK_TIMEOUT_MS);

    it("B11 X9 StopThread: the runner's handler observes abort within 1 s and the thread ends stopped", async () => {
      const { thread } = await server.threads.createThread({ agent: "slow", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      await waitForLines(toolLog, (lines) => lines.some((line) => line.startsWith("start ")));

      const stoppedAt = Date.now();
      const stopped = await server.threads.stopThread({ threadId });
      expect(stopped.thread?.status).toBe(ThreadStatus.STOPPED);
      const lines = await waitForLines(toolLog, (all) =>
        all.some((line) => line.startsWith("aborted ")),
      );
      expect(abortedAt(lines, `${threadId}:call_slow`) - stoppedAt).toBeLessThan(1_000);

      const done = await waitForThread(server.streams, threadId, isIdle);
      expect(done.status).toBe(ThreadStatus.STOPPED);
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_slow",
      });
      expect(toolCall).toMatchObject({ status: ToolCallStatus.FAILED, error: CANCELLED_BY_STOP });
      // Resuming lets the model see the cancellation as the call's outcome (B4, B12).
      await server.threads.resumeThread({ threadId, prompt: "what happened?" });
      await waitForThread(server.streams, threadId, isIdle);
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:go"],
        ["assistant", "tool-slow_step:output-error"],
        ["user", "text:what happened?"],
        [
          "assistant",
          `text:seen: call_slow: ${JSON.stringify({ type: "error-text", value: CANCELLED_BY_STOP })}`,
        ],
      ]);
      expect(readLines(toolLog).map((line) => line.split(" ").slice(0, 3).join(" "))).toEqual([
        `start runner-a ${threadId}:call_slow`,
        `aborted runner-a ${threadId}:call_slow`,
      ]);
    });

    it("B18 X9 a passed deadline: the runner's handler observes abort within 1 s and the model sees the timeout", async () => {
      const { thread } = await server.threads.createThread({ agent: "slow", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      await waitForLines(toolLog, (lines) => lines.some((line) => line.startsWith("start ")));

      const timeoutMs = 500;
      const setAt = Date.now();
      await server.toolCalls.setToolCallTimeout({
        threadId,
        toolCallId: "call_slow",
        timeout: durationFromMs(timeoutMs),
      });
      const lines = await waitForLines(toolLog, (all) =>
        all.some((line) => line.startsWith("aborted ")),
      );
      expect(abortedAt(lines, `${threadId}:call_slow`) - (setAt + timeoutMs)).toBeLessThan(1_000);

      const done = await waitForThread(server.streams, threadId, isIdle);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      const timedOut = "Tool call timed out after 500 ms";
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_slow",
      });
      expect(toolCall).toMatchObject({ status: ToolCallStatus.FAILED, error: timedOut });
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:go"],
        [
          "assistant",
          "tool-slow_step:output-error",
          `text:seen: call_slow: ${JSON.stringify({ type: "error-text", value: timedOut })}`,
        ],
      ]);
    });
  },
);
