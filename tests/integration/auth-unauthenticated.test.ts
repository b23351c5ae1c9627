// X5 acceptance: with authentication configured, every RPC of every API service refuses a call
// without valid credentials with UNAUTHENTICATED (the loop covers a new RPC by itself), the
// message never echoes the token, and health and reflection stay open to probes and tools.
import {
  create,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { healthV1, reflectionV1, ThreadService } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_SERVICES, clientsWithToken } from "../support/auth-clients.js";
import { describeRpcError } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const API_KEY = "dak_test_5b0f1e2d9c";
const JWT_SECRET = "a-shared-secret-of-at-least-32-characters";

const isUnary = (method: DescMethod): method is DescMethodUnary => method.methodKind === "unary";
const isServerStreaming = (method: DescMethod): method is DescMethodServerStreaming =>
  method.methodKind === "server_streaming";

/** Calls `method` with an empty request and returns the error it fails with. */
async function failureOfCall(transport: Transport, method: DescMethod): Promise<ConnectError> {
  if (!isUnary(method) && !isServerStreaming(method)) {
    throw new Error(`no test for ${method.methodKind} RPC ${method.name}`);
  }
  const input = create(method.input);
  const done = new AbortController();
  try {
    if (isUnary(method)) {
      await transport.unary(method, done.signal, 5_000, undefined, input);
    } else if (isServerStreaming(method)) {
      const requests = async function* () {
        yield input;
      };
      const response = await transport.stream(method, done.signal, 5_000, undefined, requests());
      for await (const _message of response.message) break;
    }
  } catch (error: unknown) {
    return ConnectError.from(error);
  } finally {
    done.abort();
  }
  throw new Error(`${method.parent.typeName}/${method.name} succeeded without credentials`);
}

const allMethods = API_SERVICES.flatMap((service) =>
  service.methods.map((method) => ({ name: `${service.typeName}/${method.name}`, method })),
);

describe("unauthenticated calls (X5)", { timeout: 30_000 }, () => {
  let test: TestServer;
  beforeEach(async () => {
    test = await startTestServer({
      config: {
        auth: {
          apiKeys: [{ key: API_KEY, principal: "alice", roles: ["admin", "runner"] }],
          jwt: { secret: JWT_SECRET },
        },
      },
    });
  });
  afterEach(async () => {
    await test.close();
  });

  it("covers every RPC of the five API services", () => {
    expect(API_SERVICES.map((service) => service.typeName)).toEqual([
      "durable_agents.v1.ThreadService",
      "durable_agents.v1.StreamService",
      "durable_agents.v1.ToolCallService",
      "durable_agents.v1.AgentService",
      "durable_agents.v1.AdminService",
    ]);
    expect(allMethods.length).toBeGreaterThanOrEqual(25);
  });

  it.each(allMethods)("$name without a token is UNAUTHENTICATED", async ({ method }) => {
    const { transport } = clientsWithToken(test.server.url);
    const error = await failureOfCall(transport, method);
    expect(describeRpcError(error)).toEqual({
      code: "Unauthenticated",
      reason: "UNAUTHENTICATED",
      fields: [],
    });
    expect(error.rawMessage).toBe(
      'credentials are missing: send the header "authorization: Bearer <token>"',
    );
  });

  it.each(allMethods)("$name with a wrong token is UNAUTHENTICATED", async ({ method }) => {
    const wrong = `${API_KEY}x`;
    const { transport } = clientsWithToken(test.server.url, wrong);
    const error = await failureOfCall(transport, method);
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe("the token is neither a valid API key nor a valid JWT");
  });

  it.each([
    ["a forged JWT", `${API_KEY.replace(/_/gu, "")}.eyJzdWIiOiJhbGljZSJ9.c2ln`],
    ["a Basic header", undefined],
  ])("refuses %s without echoing it, over Connect too", async (_case, token) => {
    const threads = createClient(
      ThreadService,
      createConnectTransport({ baseUrl: test.server.url, httpVersion: "1.1" }),
    );
    const header = token === undefined ? `Basic ${btoa(`alice:${API_KEY}`)}` : `Bearer ${token}`;
    const error = await threads
      .listThreads({}, { headers: { authorization: header } })
      .then(() => undefined)
      .catch((caught: unknown) => ConnectError.from(caught));
    expect(error?.code).toBe(Code.Unauthenticated);
    expect(error?.rawMessage).not.toContain(header.split(" ")[1] ?? "");
    expect(error?.rawMessage).not.toContain(API_KEY);
  });

  it("answers health SERVING without a token", async () => {
    const health = createClient(healthV1.Health, createGrpcTransport({ baseUrl: test.server.url }));
    for (const service of ["", ...API_SERVICES.map((entry) => entry.typeName)]) {
      const { status } = await health.check({ service });
      expect(status, service).toBe(healthV1.HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it("lists the services by reflection without a token (the public schema only)", async () => {
    const client = createClient(
      reflectionV1.ServerReflection,
      createGrpcTransport({ baseUrl: test.server.url }),
    );
    const requests = async function* () {
      yield create(reflectionV1.ServerReflectionRequestSchema, {
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
    expect(names).toEqual(expect.arrayContaining(API_SERVICES.map((service) => service.typeName)));
  });

  it("serves the same RPCs to a valid API key", async () => {
    const alice = clientsWithToken(test.server.url, API_KEY);
    const { thread } = await alice.threads.createThread({ agent: "demo" });
    const { threads } = await alice.threads.listThreads({});
    expect(threads.map((listed) => listed.threadId)).toEqual([thread?.threadId]);
  });
});
