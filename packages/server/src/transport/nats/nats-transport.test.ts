// The NATS ToolTransport against a real nats-server (127.0.0.1:4222, or
// DURABLE_AGENTS_TEST_NATS_URL) with a random prefix per test: what it puts on the wire is what
// runner.proto fixes, and what runners send reaches the engine's sink.
import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  RegisterToolsRequestSchema,
  RegisterToolsResponseSchema,
  ToolCancellationSchema,
  ToolKind,
  ToolProgressSchema,
  ToolProgressState,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import { jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect, headers, type Msg } from "@nats-io/transport-node";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../engine/errors.js";
import type {
  ToolOutcome,
  ToolProgress,
  ToolReportSink,
  ToolTransport,
} from "../tool-transport.js";
import { connectNats, type NatsLink } from "./nats-connection.js";
import { type NatsNames, natsNames } from "./nats-names.js";
import { createNatsTransport } from "./nats-transport.js";
import { encodeToolOutcome } from "./runner-messages.js";
import {
  SERVICE_ERROR_CODE_HEADER,
  SERVICE_ERROR_HEADER,
  serveToolRegistrations,
} from "./tool-registrations.js";

const natsUrl = process.env.DURABLE_AGENTS_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

async function isNatsReachable(): Promise<boolean> {
  try {
    const probe = await connect({ servers: natsUrl, timeout: 1_000, maxReconnectAttempts: 0 });
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

// Outside CI a machine without NATS skips, loudly; CI provides NATS, so there it must fail.
const skip = !(await isNatsReachable()) && process.env.CI !== "true";
if (skip) console.warn(`NATS transport tests SKIPPED: no NATS at ${natsUrl}`);

const logger = pino({ level: "silent" });

/** Calls that arrive over time, and a wait for the n-th one (with a deadline). */
function recorder<T>() {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const waiter of [...waiters]) waiter();
    },
    async waitForCount(count: number, timeoutMs = 5_000): Promise<T[]> {
      if (items.length >= count) return items;
      return new Promise<T[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} items within ${timeoutMs} ms, got ${items.length}`));
        }, timeoutMs);
        const check = () => {
          if (items.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(items);
        };
        waiters.add(check);
      });
    },
  };
}

describe.skipIf(skip)("NATS tool transport (runner.proto, DESIGN §3)", () => {
  let link: NatsLink;
  let names: NatsNames;
  let transport: ToolTransport;
  let outcomes: ReturnType<typeof recorder<ToolOutcome>>;
  let progress: ReturnType<typeof recorder<ToolProgress>>;
  /** Makes the sink fail this many outcomes before it accepts them. */
  let outcomeFailures: number;
  const sink: ToolReportSink = {
    async onOutcome(outcome) {
      if (outcomeFailures > 0) {
        outcomeFailures -= 1;
        throw new Error("store unavailable");
      }
      outcomes.push(outcome);
    },
    async onProgress(report) {
      progress.push(report);
    },
  };

  beforeEach(async () => {
    const prefix = `t_${randomUUID().replaceAll("-", "")}`;
    names = natsNames(prefix);
    link = await connectNats(
      { url: natsUrl, prefix, localTools: false, extensions: {} },
      { name: "transport-test", logger },
    );
    outcomes = recorder();
    progress = recorder();
    outcomeFailures = 0;
    transport = createNatsTransport({ link, names, logger });
    await transport.start(sink);
  });

  afterEach(async () => {
    await transport.close();
    const jsm = await jetstreamManager(link.connection);
    await jsm.streams.delete(names.toolsStream).catch(() => false);
    await jsm.streams.delete(names.outcomesStream).catch(() => false);
    await link.close();
  });

  it("creates the work-queue streams and the servers' durable consumer idempotently", async () => {
    const jsm = await jetstreamManager(link.connection);
    const tools = await jsm.streams.info(names.toolsStream);
    expect(tools.config.subjects).toEqual([`${names.prefix}.tools.exec.>`]);
    expect(tools.config.retention).toBe(RetentionPolicy.Workqueue);
    const outcomeStream = await jsm.streams.info(names.outcomesStream);
    expect(outcomeStream.config.subjects).toEqual([`${names.prefix}.tools.outcome`]);
    expect(outcomeStream.config.retention).toBe(RetentionPolicy.Workqueue);
    const consumer = await jsm.consumers.info(names.outcomesStream, "servers");
    expect(consumer.config.durable_name).toBe("servers");
    // A second server starting on the same prefix finds everything in place.
    const second = createNatsTransport({ link, names, logger });
    await second.start(sink);
    await second.close();
    expect((await jsm.consumers.info(names.outcomesStream, "servers")).config.durable_name).toBe(
      "servers",
    );
  });

  it("B6 publishes a binary ToolTask on the tool's subject with Nats-Msg-Id, once per attempt", async () => {
    const task = {
      threadId: "thread-1",
      toolCallId: "call-1",
      toolName: "get_weather",
      args: { location: "Oslo" },
      kind: "sync" as const,
      attempt: 2,
      maxAttempts: 3,
      deadlineAt: 1_800_000_000_000,
      traceContext: {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        tracestate: "vendor=opaque",
      },
    };
    await transport.dispatch(task);
    // A dispatch job that runs again (a crash after the PubAck) is dropped by JetStream.
    await transport.dispatch(task);
    const jsm = await jetstreamManager(link.connection);
    expect((await jsm.streams.info(names.toolsStream)).state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(names.toolsStream, { seq: 1 });
    expect(stored?.subject).toBe(`${names.prefix}.tools.exec.get_weather`);
    expect(stored?.header.get("Nats-Msg-Id")).toBe("thread-1:call-1:2");
    const decoded = fromBinary(ToolTaskSchema, stored?.data ?? new Uint8Array());
    expect(decoded).toMatchObject({
      threadId: "thread-1",
      toolCallId: "call-1",
      toolName: "get_weather",
      kind: ToolKind.SYNC,
      attempt: 2,
      maxAttempts: 3,
    });
    expect(decoded.args?.kind).toEqual({
      case: "structValue",
      value: expect.objectContaining({
        fields: {
          location: expect.objectContaining({ kind: { case: "stringValue", value: "Oslo" } }),
        },
      }),
    });
    expect(Number(decoded.deadline?.seconds)).toBe(1_800_000_000);
    // X6: ToolTask.trace_context carries the dispatch span's W3C context.
    expect(decoded.traceContext).toMatchObject({
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      tracestate: "vendor=opaque",
    });
  });

  it("X6 hands the sink the trace context a runner put in an outcome's W3C headers", async () => {
    const js = jetstream(link.connection);
    const traced = headers();
    traced.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const outcome = (toolCallId: string) =>
      encodeToolOutcome({
        threadId: "thread-1",
        toolCallId,
        attempt: 1,
        runnerId: "runner-a",
        durationMs: 1,
        type: "result",
        result: null,
      });
    await js.publish(names.outcomeSubject, outcome("traced"), { headers: traced });
    await js.publish(names.outcomeSubject, outcome("untraced"));
    const received = await outcomes.waitForCount(2);
    const byCall = Object.fromEntries(received.map((entry) => [entry.toolCallId, entry]));
    expect(byCall.traced?.traceContext).toEqual({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    expect(byCall.untraced?.traceContext).toBeUndefined();
  });

  it("B15 B17 hands outcomes to the sink and acks them; a failed application comes back", async () => {
    const js = jetstream(link.connection);
    outcomeFailures = 1;
    await js.publish(
      names.outcomeSubject,
      encodeToolOutcome({
        threadId: "thread-1",
        toolCallId: "call-1",
        attempt: 1,
        runnerId: "runner-a",
        durationMs: 12,
        type: "result",
        result: { weather: "sunny", temperature: 22 },
      }),
    );
    await js.publish(
      names.outcomeSubject,
      encodeToolOutcome({
        threadId: "thread-1",
        toolCallId: "call-2",
        attempt: 3,
        runnerId: "runner-b",
        durationMs: 5,
        type: "error",
        error: { message: "503 upstream", status: 503, retryableHint: true, retryDelayMs: 250 },
      }),
    );
    const received = await outcomes.waitForCount(2);
    const byCall = Object.fromEntries(received.map((outcome) => [outcome.toolCallId, outcome]));
    expect(byCall["call-1"]).toEqual({
      threadId: "thread-1",
      toolCallId: "call-1",
      attempt: 1,
      runnerId: "runner-a",
      durationMs: 12,
      type: "result",
      result: { weather: "sunny", temperature: 22 },
    });
    expect(byCall["call-2"]).toEqual({
      threadId: "thread-1",
      toolCallId: "call-2",
      attempt: 3,
      runnerId: "runner-b",
      durationMs: 5,
      type: "error",
      error: { message: "503 upstream", status: 503, retryableHint: true, retryDelayMs: 250 },
    });
    // Both were acked: the work queue is empty once the acks land.
    const jsm = await jetstreamManager(link.connection);
    const deadline = Date.now() + 5_000;
    let pending = (await jsm.consumers.info(names.outcomesStream, "servers")).num_ack_pending;
    while (pending > 0 && Date.now() < deadline) {
      await link.connection.flush();
      pending = (await jsm.consumers.info(names.outcomesStream, "servers")).num_ack_pending;
    }
    expect(pending).toBe(0);
  });

  it("B20 keeps consuming outcomes when the consumer is lost: it creates it again", async () => {
    const jsm = await jetstreamManager(link.connection);
    // What a NATS restart without its store does to the servers' consumer.
    await jsm.consumers.delete(names.outcomesStream, "servers");
    const js = jetstream(link.connection);
    await js.publish(
      names.outcomeSubject,
      encodeToolOutcome({
        threadId: "thread-1",
        toolCallId: "call-1",
        attempt: 1,
        runnerId: "runner-a",
        durationMs: 1,
        type: "callback_delivered",
      }),
    );
    const [outcome] = await outcomes.waitForCount(1, 25_000);
    expect(outcome).toMatchObject({ toolCallId: "call-1", type: "callback_delivered" });
    expect((await jsm.consumers.info(names.outcomesStream, "servers")).config.durable_name).toBe(
      "servers",
    );
  }, 30_000);

  it("X9 hands progress reports to the sink in order", async () => {
    for (const state of [ToolProgressState.CLAIMED, ToolProgressState.RUNNING]) {
      link.connection.publish(
        names.progressSubject,
        toBinary(
          ToolProgressSchema,
          create(ToolProgressSchema, {
            threadId: "thread-1",
            toolCallId: "call-1",
            attempt: 1,
            runnerId: "runner-a",
            state,
          }),
        ),
      );
    }
    const received = await progress.waitForCount(2);
    expect(received).toEqual([
      {
        threadId: "thread-1",
        toolCallId: "call-1",
        attempt: 1,
        runnerId: "runner-a",
        state: "claimed",
      },
      {
        threadId: "thread-1",
        toolCallId: "call-1",
        attempt: 1,
        runnerId: "runner-a",
        state: "running",
      },
    ]);
  });

  it("X9 B11 publishes a ToolCancellation on the tool's cancel subject", async () => {
    const heard = recorder<Msg>();
    const subscription = link.connection.subscribe(`${names.prefix}.tools.cancel.get_weather`, {
      callback: (_error, message) => heard.push(message),
    });
    await link.connection.flush();
    await transport.cancel({
      threadId: "thread-1",
      toolCallId: "call-1",
      toolName: "get_weather",
      attempt: 2,
      reason: "Tool execution cancelled because the thread was stopped",
    });
    const [message] = await heard.waitForCount(1);
    subscription.unsubscribe();
    expect(fromBinary(ToolCancellationSchema, message?.data ?? new Uint8Array())).toMatchObject({
      threadId: "thread-1",
      toolCallId: "call-1",
      attempt: 2,
      reason: "Tool execution cancelled because the thread was stopped",
    });
  });

  it("answers RegisterTools requests, and refuses bad ones with NATS service error headers", async () => {
    const registrations = serveToolRegistrations({
      link,
      names,
      logger,
      async register(request) {
        if (request.tools.some((tool) => tool.name === "bad name")) {
          throw new InvalidArgumentError([{ field: "tools[0].name", description: "bad" }]);
        }
        return create(RegisterToolsResponseSchema, { tools: request.tools });
      },
    });
    try {
      await link.connection.flush();
      const request = (name: string) =>
        toBinary(
          RegisterToolsRequestSchema,
          create(RegisterToolsRequestSchema, {
            runnerId: "runner-a",
            tools: [{ name, description: "d", kind: ToolKind.SYNC }],
          }),
        );
      const reply = await link.connection.request(names.registerSubject, request("get_weather"), {
        timeout: 5_000,
      });
      expect(reply.headers?.get(SERVICE_ERROR_HEADER) ?? "").toBe("");
      const response = fromBinary(RegisterToolsResponseSchema, reply.data);
      expect(response.tools.map((tool) => tool.name)).toEqual(["get_weather"]);
      const refused = await link.connection.request(names.registerSubject, request("bad name"), {
        timeout: 5_000,
      });
      expect(refused.headers?.get(SERVICE_ERROR_CODE_HEADER)).toBe("400");
      expect(refused.headers?.get(SERVICE_ERROR_HEADER)).toBe("tools[0].name: bad");
    } finally {
      await registrations.close();
    }
  });
});
