import { describe, expect, it } from "vitest";
import { createHealthRegistry, ServingStatus, wholeServer } from "./health-registry.js";

describe("createHealthRegistry", () => {
  it("starts with the whole server SERVING and nothing else known", () => {
    const registry = createHealthRegistry();
    expect(registry.getStatus(wholeServer)).toBe(ServingStatus.SERVING);
    expect(registry.getStatus("durable_agents.v1.ThreadService")).toBeUndefined();
    expect([...registry.statuses()]).toEqual([[wholeServer, ServingStatus.SERVING]]);
  });

  it("sets and reports the status of a service", () => {
    const registry = createHealthRegistry();
    registry.setStatus("durable_agents.v1.ThreadService", ServingStatus.NOT_SERVING);
    expect(registry.getStatus("durable_agents.v1.ThreadService")).toBe(ServingStatus.NOT_SERVING);
  });

  it("marks every service NOT_SERVING at shutdown and ignores later updates", () => {
    const registry = createHealthRegistry();
    registry.setStatus("a.Service", ServingStatus.SERVING);
    registry.enterShutdown();
    registry.setStatus("a.Service", ServingStatus.SERVING);
    registry.setStatus("b.Service", ServingStatus.SERVING);
    expect([...registry.statuses()]).toEqual([
      [wholeServer, ServingStatus.NOT_SERVING],
      ["a.Service", ServingStatus.NOT_SERVING],
    ]);
  });

  describe("watch", () => {
    it("yields the current status, then each change, and ends when its signal aborts", async () => {
      const registry = createHealthRegistry();
      const stop = new AbortController();
      const watch = registry.watch(wholeServer, stop.signal);
      expect(await watch.next()).toEqual({ done: false, value: ServingStatus.SERVING });

      const next = watch.next();
      registry.setStatus(wholeServer, ServingStatus.NOT_SERVING);
      expect(await next).toEqual({ done: false, value: ServingStatus.NOT_SERVING });

      const end = watch.next();
      stop.abort();
      expect(await end).toEqual({ done: true, value: undefined });
    });

    it("reads SERVICE_UNKNOWN for an unknown service until it is registered", async () => {
      const registry = createHealthRegistry();
      const watch = registry.watch("late.Service", new AbortController().signal);
      expect((await watch.next()).value).toBe(ServingStatus.SERVICE_UNKNOWN);
      registry.setStatus("late.Service", ServingStatus.SERVING);
      expect((await watch.next()).value).toBe(ServingStatus.SERVING);
      await watch.return();
    });

    it("gives a slow reader the latest status, skipping a change that was undone meanwhile", async () => {
      const registry = createHealthRegistry();
      const watch = registry.watch(wholeServer, new AbortController().signal);
      expect((await watch.next()).value).toBe(ServingStatus.SERVING);

      registry.setStatus(wholeServer, ServingStatus.NOT_SERVING);
      registry.setStatus(wholeServer, ServingStatus.SERVING);
      registry.setStatus(wholeServer, ServingStatus.NOT_SERVING);
      expect((await watch.next()).value).toBe(ServingStatus.NOT_SERVING);
      await watch.return();
    });

    it("ignores changes of other services", async () => {
      const registry = createHealthRegistry();
      const stop = new AbortController();
      const watch = registry.watch(wholeServer, stop.signal);
      await watch.next();
      const next = watch.next();
      registry.setStatus("other.Service", ServingStatus.NOT_SERVING);
      stop.abort();
      expect(await next).toEqual({ done: true, value: undefined });
    });

    it("still sends the NOT_SERVING of a shutdown that comes just before the abort", async () => {
      const registry = createHealthRegistry();
      const stop = new AbortController();
      const watch = registry.watch(wholeServer, stop.signal);
      await watch.next();
      const next = watch.next();
      registry.enterShutdown();
      stop.abort();
      expect(await next).toEqual({ done: false, value: ServingStatus.NOT_SERVING });
      expect(await watch.next()).toEqual({ done: true, value: undefined });
    });
  });
});
