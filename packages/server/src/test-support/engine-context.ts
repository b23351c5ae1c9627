// An EngineContext for tests that drive engine steps on a real store directly: the defaults of
// DESIGN §6, a pinned clock, no agents, a transport that hands nothing anywhere. Each test
// overrides only what it observes (a recording transport, its clock, a tool policy).
import { randomUUID } from "node:crypto";
import pino from "pino";
import { DEFAULT_ENGINE_TIMINGS, type EngineContext } from "../engine/context.js";
import { createLocalEventBus } from "../events/local-event-bus.js";
import { noopMetrics } from "../observability/metrics.js";
import { createTracing } from "../observability/tracing.js";
import type { Store } from "../store/store.js";
import type { ToolTransport } from "../transport/tool-transport.js";

/** A transport that accepts every dispatch and cancellation and runs nothing in-process. */
export function createTestTransport(overrides: Partial<ToolTransport> = {}): ToolTransport {
  return {
    start: async () => {},
    dispatch: async () => {},
    cancel: async () => {},
    isExecutingLocally: () => false,
    isInProcessRunner: () => false,
    inProcessRunnerFor: () => undefined,
    close: async () => {},
    ...overrides,
  };
}

export function createTestEngineContext(
  store: Store,
  overrides: Partial<EngineContext> & { now: () => number },
): EngineContext {
  return {
    store,
    bus: createLocalEventBus(),
    transport: createTestTransport(),
    getAgent: () => undefined,
    listAgents: () => [],
    getToolPolicy: async () => undefined,
    random: () => 0,
    newId: () => randomUUID(),
    instanceId: "engine-test",
    logger: pino({ level: "silent" }),
    metrics: noopMetrics,
    tracing: createTracing(),
    hooks: {},
    timings: DEFAULT_ENGINE_TIMINGS,
    scheduler: { reserve: () => undefined, cancelReservation: () => {}, offer: () => {} },
    // No slot is ever reserved (reserve above), so no turn is ever created taken.
    runTakenTurn: () => {
      throw new Error("the test context reserves no turn slot");
    },
    shutdownSignal: new AbortController().signal,
    ...overrides,
  };
}
