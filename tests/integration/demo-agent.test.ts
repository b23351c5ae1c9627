// The demo agent of DESIGN §8 through real HTTP/2 gRPC: the acceptance conversations of issue #3.
import { ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";

describe("demo agent (§8)", () => {
  let test: TestServer;
  beforeEach(async () => {
    test = await startTestServer();
  });
  afterEach(async () => {
    await test.close();
  });

  it('B1 answers "hi" with "You said: hi"', async () => {
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "hi" });
    const threadId = thread?.threadId ?? "";
    const done = await waitForThread(test.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(test.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:You said: hi"],
    ]);
  });

  it("B6 B15 B19 calls get_weather and answers with its result", async () => {
    const { thread } = await test.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, isIdle);
    const messages = await listAllMessages(test.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    const toolPart = messages[1]?.parts.find((part) => part.type === "tool-get_weather");
    expect(toolPart).toMatchObject({
      input: { location: "Paris" },
      output: { weather: "sunny", temperature: 22 },
    });
  });

  it("B16 B17 waits for AddToolResult on the async approval tool", async () => {
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "please approve" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const { toolCalls } = await test.toolCalls.listToolCalls({ threadId });
    expect(toolCalls).toHaveLength(1);
    const call = toolCalls[0];
    expect(call?.toolName).toBe("request_approval");
    const first = await test.toolCalls.addToolResult({
      threadId,
      toolCallId: call?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    expect(first.applied).toBe(true);
    await waitForThread(test.streams, threadId, isIdle);
    // B17: a second completion is ignored, without a second continuation.
    const second = await test.toolCalls.addToolResult({
      threadId,
      toolCallId: call?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "again" } },
    });
    expect(second.applied).toBe(false);
    const messages = await listAllMessages(test.threads, threadId);
    expect(textOf(messages.at(-1))).toBe('Approval result: "approved"');
    expect(messages).toHaveLength(2);
  });
});
