import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { healthV1 } from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { type Listener, startListener } from "../../net/listener.js";
import { createHealthRegistry, ServingStatus } from "./health-registry.js";
import { createHealthService } from "./health-service.js";

const { Health } = healthV1;

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

/** Serves the health service on a free port and returns a gRPC client for it. */
async function startHealth() {
  const registry = createHealthRegistry();
  listener = await startListener({
    host: "127.0.0.1",
    port: 0,
    routes: (router) => router.service(Health, createHealthService(registry)),
  });
  const health = createClient(Health, createGrpcTransport({ baseUrl: listener.url }));
  return { registry, health };
}

describe("grpc.health.v1.Health", () => {
  it("Check answers the status of the server and of a registered service", async () => {
    const { registry, health } = await startHealth();
    registry.setStatus("durable_agents.v1.ThreadService", ServingStatus.NOT_SERVING);
    expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    expect((await health.check({ service: "durable_agents.v1.ThreadService" })).status).toBe(
      ServingStatus.NOT_SERVING,
    );
  });

  it("Check answers NOT_FOUND for an unknown service, naming it", async () => {
    const { health } = await startHealth();
    const error = await health.check({ service: "no.Such" }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: Code.NotFound, rawMessage: 'unknown service "no.Such"' });
  });

  it("List answers every known service", async () => {
    const { registry, health } = await startHealth();
    registry.setStatus("durable_agents.v1.ThreadService", ServingStatus.SERVING);
    const { statuses } = await health.list({});
    expect(Object.keys(statuses).sort()).toEqual(["", "durable_agents.v1.ThreadService"]);
    expect(statuses[""]?.status).toBe(ServingStatus.SERVING);
  });

  it("Watch sends SERVICE_UNKNOWN for an unknown service, then its status once registered", async () => {
    const { registry, health } = await startHealth();
    const cancel = new AbortController();
    const watch = health
      .watch({ service: "late.Service" }, { signal: cancel.signal })
      [Symbol.asyncIterator]();
    expect((await watch.next()).value?.status).toBe(ServingStatus.SERVICE_UNKNOWN);
    registry.setStatus("late.Service", ServingStatus.SERVING);
    expect((await watch.next()).value?.status).toBe(ServingStatus.SERVING);
    cancel.abort();
  });

  it("Check answers NOT_SERVING once the registry enters shutdown", async () => {
    const { registry, health } = await startHealth();
    registry.enterShutdown();
    expect((await health.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
  });
});
