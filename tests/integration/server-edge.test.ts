// The server's edge as a stock client sees it (issue #3 acceptance): health SERVING, services
// listed by reflection v1 and v1alpha, and the Connect protocol over HTTP/1.1 on the same port.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  healthV1,
  reflectionV1,
  reflectionV1alpha,
  ThreadService,
} from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const API_SERVICES = [
  "durable_agents.v1.AdminService",
  "durable_agents.v1.AgentService",
  "durable_agents.v1.StreamService",
  "durable_agents.v1.ThreadService",
  "durable_agents.v1.ToolCallService",
];

describe("server edge", () => {
  let test: TestServer;
  beforeEach(async () => {
    test = await startTestServer();
  });
  afterEach(async () => {
    await test.close();
  });

  it("answers grpc.health.v1 Check with SERVING for the server and each service", async () => {
    const health = createClient(healthV1.Health, createGrpcTransport({ baseUrl: test.server.url }));
    for (const service of ["", ...API_SERVICES]) {
      const { status } = await health.check({ service });
      expect(status, service).toBe(healthV1.HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it.each([
    ["v1", reflectionV1],
    ["v1alpha", reflectionV1alpha],
  ] as const)("lists its services by reflection %s", async (_version, reflection) => {
    const client = createClient(
      reflection.ServerReflection,
      createGrpcTransport({ baseUrl: test.server.url }),
    );
    const requests = async function* () {
      yield create(reflection.ServerReflectionRequestSchema, {
        messageRequest: { case: "listServices", value: "" },
      });
    };
    const done = new AbortController();
    const names: string[] = [];
    for await (const response of client.serverReflectionInfo(requests(), { signal: done.signal })) {
      if (response.messageResponse.case === "listServicesResponse") {
        names.push(...response.messageResponse.value.service.map((service) => service.name));
      }
      break;
    }
    done.abort();
    expect(names).toEqual(expect.arrayContaining([...API_SERVICES, "grpc.health.v1.Health"]));
  });

  it("refuses request_id with UNIMPLEMENTED instead of ignoring the idempotency it promises", async () => {
    const refused = await test.threads
      .createThread({ agent: "demo", requestId: "retry-1" })
      .catch((error: unknown) => ConnectError.from(error));
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.Unimplemented);
    const { threads } = await test.threads.listThreads({});
    expect(threads).toHaveLength(0);
  });

  it("serves the Connect protocol over HTTP/1.1 on the same port", async () => {
    const threads = createClient(
      ThreadService,
      createConnectTransport({ baseUrl: test.server.url, httpVersion: "1.1" }),
    );
    const { thread } = await threads.createThread({ agent: "demo" });
    const { thread: read } = await test.threads.getThread({ threadId: thread?.threadId ?? "" });
    expect(read?.agent).toBe("demo");
  });
});
