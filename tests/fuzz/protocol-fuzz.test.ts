// Protocol fuzzing (issue #7, X5): at least 10 000 random and mutated payloads go to every RPC of
// every service the generated code describes (so a new RPC is fuzzed without touching this file),
// as raw gRPC frames over HTTP/2 and Connect JSON over HTTP/1.1, to a server in its own process.
// Afterwards the process is alive and SERVING, no answer was INTERNAL or UNKNOWN, and the threads
// that existed before are unchanged byte for byte. The seed is printed; DURABLE_AGENTS_FUZZ_SEED replays a run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DescMethod, type DescService, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as proto from "@durable-agents/core/proto";
import {
  GetThreadResponseSchema,
  healthV1,
  ListMessagesResponseSchema,
  ListToolCallsResponseSchema,
  ThreadStatus,
} from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ChildServer,
  killAllChildServers,
  startChildServer,
} from "../faults/support/child-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { createPayloads, type FuzzCase, type FuzzVocabulary } from "./support/payloads.js";
import { createRandom } from "./support/random.js";
import {
  type CallOutcome,
  connectJsonCall,
  createRawGrpcClient,
  outcomeKey,
} from "./support/raw-rpc.js";

const REQUEST_COUNT = 10_000;
const IN_FLIGHT = 24;
const CALL_TIMEOUT_MS = 20_000;
/** Small limits, so payloads near and above them stay cheap to send. */
const LIMITS = {
  maxRequestBytes: 128 * 1024,
  maxPromptChars: 10_000,
  maxPartsPerMessage: 100,
  maxToolResultBytes: 16 * 1024,
  maxMetadataBytes: 4 * 1024,
};
const NESTING_DEPTH = 10_000;
const TARGET_REFRESH_EVERY = 500;

/** Every service of the generated code, the health and reflection namespaces included. */
function generatedServices(): DescService[] {
  const isService = (value: unknown): value is DescService =>
    typeof value === "object" && value !== null && "kind" in value && value.kind === "service";
  const found = new Set<DescService>();
  for (const value of Object.values(proto)) {
    if (isService(value)) found.add(value);
    else if (typeof value === "object" && value !== null) {
      for (const nested of Object.values(value)) if (isService(nested)) found.add(nested);
    }
  }
  return [...found];
}

interface Snapshot {
  thread: Uint8Array;
  messages: Uint8Array;
  toolCalls: Uint8Array;
}

async function snapshot(server: ChildServer, threadId: string): Promise<Snapshot> {
  return {
    thread: toBinary(GetThreadResponseSchema, await server.threads.getThread({ threadId })),
    messages: toBinary(ListMessagesResponseSchema, await server.threads.listMessages({ threadId })),
    toolCalls: toBinary(
      ListToolCallsResponseSchema,
      await server.toolCalls.listToolCalls({ threadId }),
    ),
  };
}

async function createCompletedThread(server: ChildServer, prompt: string): Promise<string> {
  const { thread } = await server.threads.createThread({ agent: "demo", prompt });
  const threadId = thread?.threadId ?? "";
  await waitForThread(
    server.streams,
    threadId,
    (t) => isIdle(t) && t.status === ThreadStatus.COMPLETED,
  );
  return threadId;
}

/**
 * Threads for the fuzzer's requests to reach: an idle one, one with a completed tool call and one
 * awaiting an approval (a pending async tool call, `demo_call_1`), and an id that does not exist.
 */
async function createTargets(server: ChildServer): Promise<string[]> {
  const targets = [
    await createCompletedThread(server, "hi"),
    await createCompletedThread(server, "weather in Paris"),
  ];
  const { thread } = await server.threads.createThread({ agent: "demo", prompt: "approve this" });
  const awaiting = thread?.threadId ?? "";
  await waitForThread(server.streams, awaiting, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
  return [...targets, awaiting, "nope"];
}

interface Failure {
  rpc: string;
  strategy: string;
  outcome: string;
  message: string;
  bodyHexPrefix: string;
}

function isServerFault(outcome: CallOutcome): boolean {
  return (
    outcome.kind === "no-status" || outcome.code === Code.Internal || outcome.code === Code.Unknown
  );
}

describe("protocol fuzzing (X5)", () => {
  let dataDir: string | undefined;

  afterEach(async () => {
    await killAllChildServers();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers ${REQUEST_COUNT} random and mutated requests to every RPC without INTERNAL, UNKNOWN or a crash`, {
    timeout: 240_000,
  }, async () => {
    const seed = Number(
      process.env.DURABLE_AGENTS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32),
    );
    console.log(`fuzz seed ${seed} (replay with DURABLE_AGENTS_FUZZ_SEED=${seed})`);
    dataDir = mkdtempSync(join(tmpdir(), "durable-agents-fuzz-"));
    const server = await startChildServer({
      store: `sqlite:${join(dataDir, "agents.db")}`,
      config: { providers: { demo: { type: "demo", chunkDelayMs: 0 } }, limits: LIMITS },
    });

    // The threads the fuzzer must not change: it never learns their ids.
    const kept = [
      await createCompletedThread(server, "hi"),
      await createCompletedThread(server, "weather in Paris"),
    ];
    const before = await Promise.all(kept.map((threadId) => snapshot(server, threadId)));
    // Threads the fuzzer may use, so requests reach the engine. Requests delete, stop and
    // complete them, so a fresh set replaces them every TARGET_REFRESH_EVERY requests.
    const vocabulary: FuzzVocabulary = {
      threadIds: await createTargets(server),
      toolCallIds: ["demo_call_1", "nope"],
    };
    const random = createRandom(seed);
    const payloads = createPayloads({
      random,
      vocabulary,
      maxRequestBytes: LIMITS.maxRequestBytes,
      nestingDepth: NESTING_DEPTH,
    });
    const methods = generatedServices().flatMap((service) => service.methods);
    const grpc = createRawGrpcClient(server.url, 4);
    const histogram = new Map<string, number>();
    const perRpc = new Map<string, number>();
    const failures: Failure[] = [];
    const started = Date.now();

    const send = async (method: DescMethod, fuzz: FuzzCase): Promise<CallOutcome> => {
      const path = `/${method.parent.typeName}/${method.name}`;
      const isStreaming = method.methodKind !== "unary";
      if (fuzz.transport === "grpc") {
        return grpc.call({
          path,
          body: fuzz.body,
          headers: fuzz.headers,
          isStreaming,
          timeoutMs: CALL_TIMEOUT_MS,
        });
      }
      return connectJsonCall({
        url: `${server.url}${path}`,
        body: fuzz.body,
        isStreaming,
        timeoutMs: CALL_TIMEOUT_MS,
      });
    };

    let nextIndex = 0;
    const worker = async () => {
      for (;;) {
        const index = nextIndex;
        nextIndex += 1;
        if (index >= REQUEST_COUNT) return;
        // Round robin over the RPCs, so each gets its share whatever the seed.
        const method = methods[index % methods.length];
        if (method === undefined) throw new Error("no RPCs found in the generated code");
        // Drawn before any await, so a seed gives the same payloads whatever the timing.
        const fuzz = payloads.next(method);
        if (index > 0 && index % TARGET_REFRESH_EVERY === 0) {
          vocabulary.threadIds = await createTargets(server);
        }
        const outcome = await send(method, fuzz);
        const rpc = `${method.parent.typeName}/${method.name}`;
        const key = outcomeKey(outcome);
        histogram.set(key, (histogram.get(key) ?? 0) + 1);
        perRpc.set(rpc, (perRpc.get(rpc) ?? 0) + 1);
        if (isServerFault(outcome)) {
          failures.push({
            rpc,
            strategy: `${fuzz.transport} ${fuzz.strategy}`,
            outcome: key,
            message: outcome.kind === "status" ? outcome.message : outcome.reason,
            bodyHexPrefix: Buffer.from(fuzz.body.subarray(0, 64)).toString("hex"),
          });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    } finally {
      grpc.close();
    }

    const summary = [...histogram.entries()].sort((a, b) => b[1] - a[1]);
    console.log(
      `fuzz summary (seed ${seed}): ${REQUEST_COUNT} requests to ${methods.length} RPCs in ` +
        `${Date.now() - started} ms\n${summary.map(([key, count]) => `  ${key}: ${count}`).join("\n")}`,
    );

    // Every RPC got its share, and the server process lived through it.
    expect(perRpc.size).toBe(methods.length);
    expect(Math.min(...perRpc.values())).toBeGreaterThanOrEqual(
      Math.floor(REQUEST_COUNT / methods.length),
    );
    const serverErrors = server
      .stderr()
      .split("\n")
      .filter((line) => /"level":(50|60)/u.test(line));
    expect(failures.slice(0, 20), serverErrors.slice(0, 10).join("\n")).toEqual([]);
    const health = createClient(healthV1.Health, createGrpcTransport({ baseUrl: server.url }));
    const { status } = await health.check({});
    expect(healthV1.HealthCheckResponse_ServingStatus[status]).toBe("SERVING");
    expect(() => process.kill(server.pid, 0)).not.toThrow();
    // The threads that existed before are unchanged, byte for byte.
    const after = await Promise.all(kept.map((threadId) => snapshot(server, threadId)));
    expect(after).toEqual(before);
  });
});
