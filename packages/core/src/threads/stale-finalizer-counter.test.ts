import { describe, expect, it } from "vitest";
import {
  recordStaleFinalizer,
  STALE_FINALIZER_ALERT_THRESHOLD,
  STALE_FINALIZER_WINDOW_MS,
  type StaleFinalizerCounter,
} from "./stale-finalizer-counter.js";

const minute = 60_000;

/** Records stale finalizers in order and returns what each call reported. */
function record(
  events: { threadId: string; at: number }[],
  initial: StaleFinalizerCounter = new Map(),
) {
  let counter = initial;
  return {
    reports: events.map(({ threadId, at }) => {
      const result = recordStaleFinalizer(counter, threadId, at);
      counter = result.counter;
      return { count: result.countInWindow, alert: result.shouldAlert };
    }),
    counter: () => counter,
  };
}

describe("recordStaleFinalizer (B8)", () => {
  it("alerts at 3 stale finalizers of one thread within 5 min", () => {
    expect(STALE_FINALIZER_ALERT_THRESHOLD).toBe(3);
    expect(STALE_FINALIZER_WINDOW_MS).toBe(5 * minute);
  });

  it.each<{
    name: string;
    events: { threadId: string; at: number }[];
    reports: { count: number; alert: boolean }[];
  }>([
    {
      name: "B8 one or two stale finalizers: counted, no alert",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t1", at: minute },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 2, alert: false },
      ],
    },
    {
      name: "B8 the third within 5 min alerts, the fourth does not alert again",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t1", at: minute },
        { threadId: "t1", at: 2 * minute },
        { threadId: "t1", at: 3 * minute },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 2, alert: false },
        { count: 3, alert: true },
        { count: 4, alert: false },
      ],
    },
    {
      name: "B8 finalizers older than 5 min fall out of the window",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t1", at: minute },
        { threadId: "t1", at: 5.5 * minute },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 2, alert: false },
        { count: 2, alert: false },
      ],
    },
    {
      name: "B8 a finalizer exactly 5 min old is outside the window",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t1", at: 4 * minute },
        { threadId: "t1", at: 5 * minute },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 2, alert: false },
        { count: 2, alert: false },
      ],
    },
    {
      name: "B8 a thread still racing alerts again once 5 min passed since its last alert",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t1", at: minute },
        { threadId: "t1", at: 2 * minute },
        { threadId: "t1", at: 4 * minute },
        { threadId: "t1", at: 6 * minute },
        { threadId: "t1", at: 7 * minute },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 2, alert: false },
        { count: 3, alert: true },
        { count: 4, alert: false },
        { count: 3, alert: false },
        { count: 3, alert: true },
      ],
    },
    {
      name: "B8 threads are counted apart",
      events: [
        { threadId: "t1", at: 0 },
        { threadId: "t2", at: 0 },
        { threadId: "t1", at: 1 },
        { threadId: "t2", at: 1 },
        { threadId: "t1", at: 2 },
      ],
      reports: [
        { count: 1, alert: false },
        { count: 1, alert: false },
        { count: 2, alert: false },
        { count: 2, alert: false },
        { count: 3, alert: true },
      ],
    },
  ])("$name", ({ events, reports }) => {
    expect(record(events).reports).toStrictEqual(reports);
  });

  it("B8 drops the histories of threads with nothing left in the window", () => {
    const { counter } = record([
      { threadId: "t1", at: 0 },
      { threadId: "t2", at: 4 * minute },
      { threadId: "t3", at: 6 * minute },
    ]);
    expect([...counter().keys()]).toStrictEqual(["t2", "t3"]);
  });

  it("B8 never changes the counter it was given", () => {
    const initial: StaleFinalizerCounter = new Map([
      ["t1", { occurredAt: [0, 1], lastAlertAt: undefined }],
    ]);
    const result = recordStaleFinalizer(initial, "t1", 2);
    expect(result.shouldAlert).toBe(true);
    expect([...initial]).toStrictEqual([["t1", { occurredAt: [0, 1], lastAlertAt: undefined }]]);
  });
});
