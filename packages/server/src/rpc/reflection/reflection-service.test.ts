import { create, createFileRegistry, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  durableAgentsProtoFiles,
  healthV1,
  reflectionV1,
  reflectionV1alpha,
  ThreadService,
} from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { type Listener, startListener } from "../../net/listener.js";
import { registerServerReflection } from "./reflection-service.js";

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function startReflection() {
  listener = await startListener({
    host: "127.0.0.1",
    port: 0,
    routes: (router) =>
      registerServerReflection(router, {
        services: [healthV1.Health, ThreadService],
        files: durableAgentsProtoFiles,
      }),
  });
  return createGrpcTransport({ baseUrl: listener.url });
}

type Query = NonNullable<
  MessageInitShape<typeof reflectionV1.ServerReflectionRequestSchema>["messageRequest"]
>;

async function* requestsOf(queries: Query[]) {
  for (const messageRequest of queries) yield { host: "localhost", messageRequest };
}

/**
 * Builds a registry from a file descriptor answer, as a reflection client does: it throws
 * unless every transitive import of the file asked for (the first) is in the answer.
 */
function registryOf(fileDescriptorProtos: Uint8Array[]) {
  const files = fileDescriptorProtos.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  const byName = new Map(files.map((file) => [file.name, file]));
  // A FileDescriptorSet must list imports before their importers.
  const ordered: FileDescriptorProto[] = [];
  const visit = (name: string, importedBy: string) => {
    const file = byName.get(name);
    if (file === undefined)
      throw new Error(`${importedBy} imports ${name}, missing from the answer`);
    if (ordered.includes(file)) return;
    for (const dependency of file.dependency) visit(dependency, name);
    ordered.push(file);
  };
  visit(files[0]?.name ?? "", "the request");
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

describe.each([
  ["v1", reflectionV1.ServerReflection],
  ["v1alpha", reflectionV1alpha.ServerReflection],
] as const)("gRPC server reflection %s", (_version, ServerReflection) => {
  /** Sends `queries` on one ServerReflectionInfo stream and collects the answers. */
  async function ask(queries: Query[]) {
    const reflection = createClient(ServerReflection, await startReflection());
    const responses = [];
    for await (const response of reflection.serverReflectionInfo(requestsOf(queries))) {
      responses.push(response);
    }
    return responses;
  }

  it("lists the served services, reflection included", async () => {
    const [response] = await ask([{ case: "listServices", value: "" }]);
    expect(response?.validHost).toBe("localhost");
    expect(response?.originalRequest?.messageRequest.case).toBe("listServices");
    const answer = response?.messageResponse;
    expect(
      answer?.case === "listServicesResponse" && answer.value.service.map((s) => s.name),
    ).toEqual([
      "grpc.health.v1.Health",
      "durable_agents.v1.ThreadService",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("answers a method's file with all its imports, enough to rebuild the service", async () => {
    const [response] = await ask([
      { case: "fileContainingSymbol", value: "durable_agents.v1.ThreadService.CreateThread" },
    ]);
    const answer = response?.messageResponse;
    if (answer?.case !== "fileDescriptorResponse") throw new Error(`got ${answer?.case}`);
    const registry = registryOf(answer.value.fileDescriptorProto);
    expect(
      registry.getService("durable_agents.v1.ThreadService")?.methods.map((m) => m.name),
    ).toContain("CreateThread");
    expect(registry.getFile("google/protobuf/timestamp.proto")).toBeDefined();
  });

  it("answers files by name", async () => {
    const [response] = await ask([
      { case: "fileByFilename", value: "grpc/health/v1/health.proto" },
    ]);
    const answer = response?.messageResponse;
    if (answer?.case !== "fileDescriptorResponse") throw new Error(`got ${answer?.case}`);
    expect(
      registryOf(answer.value.fileDescriptorProto).getService("grpc.health.v1.Health"),
    ).toBeDefined();
  });

  it("answers an unknown name with NOT_FOUND and keeps the stream answering", async () => {
    const responses = await ask([
      { case: "fileContainingSymbol", value: "durable_agents.v1.NoSuchThing" },
      { case: "fileByFilename", value: "no/such.proto" },
      {
        case: "fileContainingExtension",
        value: { containingType: "durable_agents.v1.Thread", extensionNumber: 1000 },
      },
      { case: "allExtensionNumbersOfType", value: "no.Such" },
      { case: "listServices", value: "" },
    ]);
    const answers = responses.map((response) => response.messageResponse);
    expect(answers.map((answer) => answer.case)).toEqual([
      "errorResponse",
      "errorResponse",
      "errorResponse",
      "errorResponse",
      "listServicesResponse",
    ]);
    expect(answers[0]?.value).toMatchObject({
      errorCode: Code.NotFound,
      errorMessage: 'symbol "durable_agents.v1.NoSuchThing" not found',
    });
    expect(answers.slice(1, 4).map((answer) => answer.value)).toMatchObject([
      { errorCode: Code.NotFound },
      { errorCode: Code.NotFound },
      { errorCode: Code.NotFound },
    ]);
  });

  it("answers a request without a query with INVALID_ARGUMENT", async () => {
    const [response] = await ask([{ case: undefined }]);
    expect(response?.messageResponse).toMatchObject({
      case: "errorResponse",
      value: { errorCode: Code.InvalidArgument },
    });
  });

  it("lists the extension numbers of a known message: none here", async () => {
    const [response] = await ask([
      { case: "allExtensionNumbersOfType", value: "durable_agents.v1.Thread" },
    ]);
    expect(response?.messageResponse).toMatchObject({
      case: "allExtensionNumbersResponse",
      value: { baseTypeName: "durable_agents.v1.Thread", extensionNumber: [] },
    });
  });
});
