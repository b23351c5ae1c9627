// X6 trace context in the embedded deployment: a caller's W3C `traceparent` reaches an in-process
// tool's handler through the turn and the local transport, as it reaches a runner over NATS
// (tests/integration-nats/trace-context.test.ts).
import { defineTool, type TraceContext } from "@durable-agents/tool-runner";
import { afterEach, expect, it } from "vitest";
import { z } from "zod";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

it("hands the caller's trace context to an in-process tool's handler", async () => {
  const seen: (TraceContext | undefined)[] = [];
  test = await startTestServer({
    tools: [
      defineTool({
        name: "get_weather",
        description: "Weather, recording the trace it ran in",
        args: z.object({ location: z.string() }),
        handler: async (_args, call) => {
          seen.push(call.traceContext);
          return { weather: "sunny", temperature: 22 };
        },
      }),
    ],
  });
  const caller = {
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    tracestate: "acme=1",
  };
  const { thread } = await test.threads.createThread(
    { agent: "demo", prompt: "weather in Oslo" },
    { headers: caller },
  );
  await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
  // No OTLP endpoint: no SDK runs, and the caller's context arrives as it was sent.
  expect(seen).toEqual([caller]);

  // A caller without trace headers starts no trace: the handler sees none.
  const untraced = await test.threads.createThread({ agent: "demo", prompt: "weather in Rome" });
  await waitForThread(test.streams, untraced.thread?.threadId ?? "", isIdle);
  expect(seen).toEqual([caller, undefined]);
});
