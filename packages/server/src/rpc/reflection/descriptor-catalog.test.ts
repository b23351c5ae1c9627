import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { durableAgentsProtoFiles, healthV1, ThreadService } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { createDescriptorCatalog } from "./descriptor-catalog.js";

const healthFile = "grpc/health/v1/health.proto";

describe("createDescriptorCatalog", () => {
  const catalog = createDescriptorCatalog({
    services: [healthV1.Health, ThreadService],
    files: durableAgentsProtoFiles,
  });
  const nameOf = (symbol: string) => catalog.fileContainingSymbol(symbol)?.proto.name;

  it("lists the served services", () => {
    expect(catalog.serviceNames).toEqual([
      "grpc.health.v1.Health",
      "durable_agents.v1.ThreadService",
    ]);
  });

  it.each([
    ["a service", "grpc.health.v1.Health", healthFile],
    ["a method", "grpc.health.v1.Health.Watch", healthFile],
    ["a message", "grpc.health.v1.HealthCheckRequest", healthFile],
    ["a nested message", "grpc.health.v1.HealthListResponse.StatusesEntry", healthFile],
    ["a nested enum", "grpc.health.v1.HealthCheckResponse.ServingStatus", healthFile],
    ["a name with a leading dot", ".grpc.health.v1.Health", healthFile],
    [
      "a method of another package",
      "durable_agents.v1.ThreadService.CreateThread",
      "durable_agents/v1/thread_service.proto",
    ],
    ["a top-level enum", "durable_agents.v1.ThreadStatus", "durable_agents/v1/thread.proto"],
    [
      "a well-known type imported by a served file",
      "google.protobuf.Timestamp",
      "google/protobuf/timestamp.proto",
    ],
    [
      "a message of a file with no service",
      "durable_agents.v1.ToolTask",
      "durable_agents/v1/runner.proto",
    ],
  ])("finds the file declaring %s", (_kind, symbol, fileName) => {
    expect(nameOf(symbol)).toBe(fileName);
  });

  it.each([["grpc.health.v1.Nope"], ["grpc.health.v1.Health.Nope"], ["grpc.health"], [""]])(
    "finds nothing for %j",
    (symbol) => {
      expect(catalog.fileContainingSymbol(symbol)).toBeUndefined();
    },
  );

  it("finds files by name, imports included", () => {
    expect(catalog.fileByName(healthFile)?.proto.package).toBe("grpc.health.v1");
    expect(catalog.fileByName("google/protobuf/struct.proto")?.proto.package).toBe(
      "google.protobuf",
    );
    expect(catalog.fileByName("grpc/health/v1/health")).toBeUndefined();
  });

  it("encodes a file first, then each of its transitive imports once", () => {
    const file = catalog.fileByName("durable_agents/v1/thread_service.proto");
    if (file === undefined) throw new Error("thread_service.proto is not in the catalog");
    const decoded = catalog
      .encodeWithDependencies(file)
      .map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    const names = decoded.map((proto) => proto.name);

    expect(names[0]).toBe("durable_agents/v1/thread_service.proto");
    expect(new Set(names).size).toBe(names.length);
    for (const proto of decoded) {
      for (const dependency of proto.dependency) expect(names).toContain(dependency);
    }
    expect(names).toContain("google/protobuf/timestamp.proto");
  });

  describe("extensions", () => {
    const base = create(FileDescriptorProtoSchema, {
      name: "test/base.proto",
      package: "test",
      syntax: "proto2",
      messageType: [{ name: "Base", extensionRange: [{ start: 100, end: 200 }] }],
    });
    const extending = create(FileDescriptorProtoSchema, {
      name: "test/extending.proto",
      package: "test",
      syntax: "proto2",
      dependency: ["test/base.proto"],
      extension: [
        {
          name: "tag",
          number: 150,
          label: FieldDescriptorProto_Label.OPTIONAL,
          type: FieldDescriptorProto_Type.INT32,
          extendee: ".test.Base",
          jsonName: "tag",
        },
      ],
    });
    const registry = createFileRegistry(extending, (name) =>
      name === base.name ? base : undefined,
    );
    const extendingFile = registry.getFile("test/extending.proto");
    if (extendingFile === undefined) throw new Error("test/extending.proto did not load");
    const withExtensions = createDescriptorCatalog({ services: [], files: [extendingFile] });

    it("finds the file declaring an extension and lists a message's extension numbers", () => {
      expect(withExtensions.fileContainingSymbol("test.tag")?.proto.name).toBe(
        "test/extending.proto",
      );
      expect(withExtensions.fileContainingExtension("test.Base", 150)?.proto.name).toBe(
        "test/extending.proto",
      );
      expect(withExtensions.fileContainingExtension("test.Base", 151)).toBeUndefined();
      expect(withExtensions.extensionNumbersOf("test.Base")).toEqual([150]);
    });

    it("lists no extension numbers for a message without extensions, and none for an unknown one", () => {
      expect(catalog.extensionNumbersOf("grpc.health.v1.HealthCheckRequest")).toEqual([]);
      expect(catalog.extensionNumbersOf("no.Such")).toBeUndefined();
    });
  });
});
