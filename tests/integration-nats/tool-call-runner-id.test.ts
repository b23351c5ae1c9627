// X9 over NATS: a finished tool call names the runner that ran it. A runner reports "claimed"
// and "running" over core NATS and its outcome over JetStream, so the outcome may be applied
// before any progress report (the report is then ignored: the call is finished) or with none at
// all; the runner id the outcome carries (runner.proto `ToolOutcome.runner_id`) is what names it.
import { create, fromJson, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
  ToolOutcomeSchema,
} from "@durable-agents/core/proto";
import { protocolNames } from "@durable-agents/tool-runner";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, startRunner } from "./support/runners.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;
const DEADLINE_MS = 20_000;
/** The demo model's id for the first tool call of a thread (§8). */
const FIRST_DEMO_CALL = "demo_call_1";

describe.skipIf(skip)(
  skip
    ? `runner ids of tool calls — SKIPPED: ${missing}`
    : "runner ids of tool calls over NATS (X9)",
  { timeout: 60_000 },
  () => {
    let prefix: string;
    let server: TestServer;

    beforeEach(async () => {
      prefix = randomPrefix();
      server = await startTestServer({ config: { nats: { url: sharedNatsUrl, prefix } } });
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      await killAllRunners();
      await server.close();
      await deleteStreams(sharedNatsUrl, prefix);
    }, HOOK_TIMEOUT_MS);

    /** A weather thread whose get_weather call waits for a runner (none is up). */
    async function threadAwaitingWeather(): Promise<string> {
      const { thread } = await server.threads.createThread({
        agent: "demo",
        prompt: "weather in Paris",
      });
      const threadId = thread?.threadId ?? "";
      await waitForThread(
        server.streams,
        threadId,
        hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
        DEADLINE_MS,
      );
      return threadId;
    }

    /**
     * Publishes attempt 1's outcome as a runner that never sent a progress report would: straight
     * to the outcome stream, as the runner protocol has it.
     */
    async function publishOutcome(
      threadId: string,
      runnerId: string,
      outcome: { case: "result"; value: JsonValue } | { case: "error"; message: string },
    ): Promise<void> {
      const names = protocolNames(prefix);
      const message = create(ToolOutcomeSchema, {
        threadId,
        toolCallId: FIRST_DEMO_CALL,
        attempt: 1,
        runnerId,
        outcome:
          outcome.case === "result"
            ? { case: "result", value: fromJson(ValueSchema, outcome.value) }
            : { case: "error", value: { message: outcome.message, retryableHint: false } },
      });
      const nc = await connect({ servers: sharedNatsUrl, maxReconnectAttempts: 0 });
      try {
        await jetstream(nc).publish(names.outcomeSubject, toBinary(ToolOutcomeSchema, message), {
          msgID: `${threadId}:${FIRST_DEMO_CALL}:1`,
        });
      } finally {
        await nc.close();
      }
    }

    it("X9 a result that arrives without any progress report names the outcome's runner", async () => {
      const threadId = await threadAwaitingWeather();
      const { toolCall: queued } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: FIRST_DEMO_CALL,
      });
      // No runner has reported on it: nothing names one yet.
      expect(queued).toMatchObject({ status: ToolCallStatus.PENDING, runnerId: "" });

      await publishOutcome(threadId, "silent-runner", {
        case: "result",
        value: { weather: "sunny", temperature: 22 },
      });
      await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: FIRST_DEMO_CALL,
      });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.COMPLETED,
        executionState: ToolExecutionState.DONE,
        runnerId: "silent-runner",
      });
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:weather in Paris"],
        [
          "assistant",
          "tool-get_weather:output-available",
          "text:The weather in Paris is sunny, 22°C.",
        ],
      ]);
    });

    it("X9 a final failure that arrives without any progress report names the outcome's runner", async () => {
      const threadId = await threadAwaitingWeather();
      // get_weather has no retry policy (B15): this failure is final.
      await publishOutcome(threadId, "silent-runner", { case: "error", message: "no forecast" });
      await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: FIRST_DEMO_CALL,
      });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.FAILED,
        error: "no forecast",
        executionState: ToolExecutionState.DONE,
        runnerId: "silent-runner",
      });
    });

    it("X9 every completed call of concurrent conversations names the runner process that ran it", async () => {
      await startRunner({ natsUrl: sharedNatsUrl, prefix, name: "weather-runner", demo: true });
      const cities = ["Paris", "Oslo", "Lima", "Rome", "Cairo", "Tokyo", "Delhi", "Quito"];
      const threadIds = await Promise.all(
        [...cities, ...cities].map(async (city) => {
          const { thread } = await server.threads.createThread({
            agent: "demo",
            prompt: `weather in ${city}`,
          });
          const threadId = thread?.threadId ?? "";
          await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
          return threadId;
        }),
      );
      for (const threadId of threadIds) {
        const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
        expect(
          toolCalls.map((call) => [call.toolName, ToolCallStatus[call.status], call.runnerId]),
        ).toEqual([["get_weather", "COMPLETED", "weather-runner"]]);
      }
    });
  },
);
