// `durable.delta_latency.embedded`: how long a model chunk takes to reach a client watching the
// thread. The agent (`streaming.throttleMs: 0`, every chunk written as it arrives, B5) has a model
// whose chunks the bench emits one at a time; a StreamUpdates client in this process timestamps
// each text delta's arrival. Timed from the chunk's emission to its arrival; the next chunk is
// emitted once the last arrived, so each figure is one delta through an otherwise idle server.
import { performance } from "node:perf_hooks";
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { StreamStatus } from "@durable-agents/core/proto";
import type { ProgrammaticAgent } from "@durable-agents/server";
import type { TestServer } from "../support/test-server.js";
import { withDeadline } from "./deadline.js";
import { type Deferred, deferred } from "./deferred.js";
import { DEFAULT_STREAMING } from "./durable.js";
import { usage } from "./instant-model.js";
import type { Sample } from "./measure.js";

export const DELTA_AGENT = "bench_delta";
/** Deltas emitted per turn. */
const DELTAS_PER_TURN = 50;
/** How long one delta or one turn's end may take before the figure fails. */
const WAIT_TIMEOUT_MS = 10_000;

/** One model call whose parts the bench emits. */
interface EmittedStream {
  /** Hands the part to the reader now; returns when (performance.now()). */
  emit(part: LanguageModelV3StreamPart): number;
  close(): void;
}

interface OnDemandModel {
  model: LanguageModelV3;
  /** Resolves with the next model call's stream once the turn calls the model. */
  nextCall(): Promise<EmittedStream>;
}

function createOnDemandModel(): OnDemandModel {
  let call: Deferred<EmittedStream> = deferred();
  return {
    model: {
      specificationVersion: "v3",
      provider: "bench",
      modelId: "on-demand",
      supportedUrls: {},
      async doGenerate() {
        throw new Error("the on-demand bench model only streams");
      },
      async doStream() {
        const stream = new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            call.resolve({
              emit(part) {
                const emittedAt = performance.now();
                controller.enqueue(part);
                return emittedAt;
              },
              close: () => controller.close(),
            });
          },
        });
        return { stream };
      },
    },
    nextCall() {
      const next = call.promise;
      return next.then((stream) => {
        call = deferred();
        return stream;
      });
    },
  };
}

/** The delta-latency agent and the handle the bench drives its model with. */
export function deltaLatencyAgent(): { agent: ProgrammaticAgent; model: OnDemandModel } {
  const model = createOnDemandModel();
  return {
    agent: {
      name: DELTA_AGENT,
      model: model.model,
      tools: [],
      streaming: { ...DEFAULT_STREAMING, throttleMs: 0 },
    },
    model,
  };
}

/** A StreamUpdates call that reports each text delta and the end of the stream. */
interface DeltaWatch {
  caughtUp: Promise<void>;
  /** Resolves when the text delta `text` arrives (performance.now()). */
  arrival(text: string): Promise<number>;
  finished: Promise<void>;
  close(): void;
}

function watchDeltas(test: TestServer, threadId: string): DeltaWatch {
  const caughtUp = deferred<void>();
  const finished = deferred<void>();
  const waiting = new Map<string, Deferred<number>>();
  const closed = new AbortController();
  const consume = async () => {
    for await (const { update } of test.streams.streamUpdates(
      { threadId },
      { signal: closed.signal },
    )) {
      const arrivedAt = performance.now();
      if (update.case === "caughtUp") caughtUp.resolve();
      if (update.case === "delta") {
        // Text deltas written together arrive joined (B5); each emitted one is unique.
        const text = update.value.chunks
          .map(({ chunk }) => (chunk.case === "textDelta" ? chunk.value.delta : ""))
          .join("");
        for (const [expected, waiter] of waiting) {
          if (!text.includes(expected)) continue;
          waiter.resolve(arrivedAt);
          waiting.delete(expected);
        }
      }
      if (update.case === "streamState" && update.value.status === StreamStatus.FINISHED) {
        finished.resolve();
      }
    }
  };
  consume().catch((error: unknown) => {
    if (closed.signal.aborted) return;
    caughtUp.reject(error);
    finished.reject(error);
    for (const waiter of waiting.values()) waiter.reject(error);
  });
  return {
    caughtUp: caughtUp.promise,
    arrival(text) {
      const arrived = deferred<number>();
      waiting.set(text, arrived);
      return arrived.promise;
    },
    finished: finished.promise,
    close: () => closed.abort(),
  };
}

/** One turn on a new thread: DELTAS_PER_TURN deltas, each timed. */
async function measureTurn(test: TestServer, model: OnDemandModel): Promise<number[]> {
  const { thread } = await test.threads.createThread({ agent: DELTA_AGENT });
  const threadId = thread?.threadId ?? "";
  const watch = watchDeltas(test, threadId);
  try {
    await withDeadline(watch.caughtUp, WAIT_TIMEOUT_MS, "the StreamUpdates call's caught_up");
    const call = model.nextCall();
    await test.threads.sendMessage({ threadId, content: { case: "prompt", value: "go" } });
    const stream = await withDeadline(call, WAIT_TIMEOUT_MS, "the turn's model call");
    stream.emit({ type: "stream-start", warnings: [] });
    stream.emit({ type: "text-start", id: "text_1" });
    const durationsMs: number[] = [];
    for (let index = 0; index < DELTAS_PER_TURN; index++) {
      const text = `delta${index} `;
      const arrival = watch.arrival(text);
      const emittedAt = stream.emit({ type: "text-delta", id: "text_1", delta: text });
      const arrivedAt = await withDeadline(arrival, WAIT_TIMEOUT_MS, `the arrival of "${text}"`);
      durationsMs.push(arrivedAt - emittedAt);
    }
    stream.emit({ type: "text-end", id: "text_1" });
    stream.emit({ type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage });
    stream.close();
    await withDeadline(watch.finished, WAIT_TIMEOUT_MS, "the end of the turn");
    return durationsMs;
  } finally {
    watch.close();
  }
}

export interface DeltaLatencyOptions {
  /** Turns whose deltas are not part of the figure. */
  warmupTurns: number;
  /** Turns measured, DELTAS_PER_TURN deltas each. */
  turns: number;
}

export async function measureDeltaLatency(
  test: TestServer,
  model: OnDemandModel,
  options: DeltaLatencyOptions,
): Promise<Sample> {
  for (let turn = 0; turn < options.warmupTurns; turn++) await measureTurn(test, model);
  const durationsMs: number[] = [];
  for (let turn = 0; turn < options.turns; turn++) {
    durationsMs.push(...(await measureTurn(test, model)));
  }
  return { durationsMs };
}
