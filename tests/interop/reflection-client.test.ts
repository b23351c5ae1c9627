// X4 and DESIGN §3: a client with no `.proto` file and no generated code discovers the services
// through gRPC server reflection (v1 and v1alpha), builds its stubs from the FileDescriptorProtos
// the server returned, and calls GetThread with them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isIdle, waitForThread } from "../support/wait.js";
import { type LoaderMessage, outlineLoaderMessages } from "./support/conversation-outline.js";
import { callUnary, connect, loadDefinition, type ServiceClient } from "./support/grpc-js.js";
import { type InteropServer, startInteropServer } from "./support/interop-server.js";
import {
  loadDescriptors,
  ReflectionClient,
  type ReflectionVersion,
} from "./support/reflection-client.js";

const API_SERVICES = [
  "durable_agents.v1.AdminService",
  "durable_agents.v1.AgentService",
  "durable_agents.v1.StreamService",
  "durable_agents.v1.ThreadService",
  "durable_agents.v1.ToolCallService",
];

const STANDARD_SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

interface LoaderThread {
  thread_id: string;
  agent: string;
  status: string;
  seq: string;
}

describe("X4 gRPC server reflection client (no .proto, no generated code)", () => {
  let server: InteropServer | undefined;
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    server = await startInteropServer();
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await server?.close();
    server = undefined;
  });

  it.each<ReflectionVersion>(["v1", "v1alpha"])(
    "X4 B1 %s: discovers the services, builds stubs from the returned descriptors and calls GetThread",
    async (version) => {
      if (server === undefined) throw new Error("no server");
      const reflection = new ReflectionClient(server.address, version);
      closers.push(() => reflection.close());

      const services = await reflection.listServices();
      expect([...services].sort()).toEqual([...API_SERVICES, ...STANDARD_SERVICES].sort());

      // Everything the client knows of the API comes from these answers.
      const files = (
        await Promise.all(
          services
            .filter((name) => name.startsWith("durable_agents."))
            .map((name) => reflection.filesContaining(name)),
        )
      ).flat();
      const root = loadDefinition(loadDescriptors(files));
      const threads: ServiceClient = connect(
        root,
        "durable_agents.v1.ThreadService",
        server.address,
      );
      closers.push(() => threads.close());

      const created = await callUnary<{ thread: LoaderThread }>(threads, "CreateThread", {
        agent: "demo",
        prompt: "hi",
      });
      const threadId = created.thread.thread_id;
      await waitForThread(server.streams, threadId, isIdle);

      const fetched = await callUnary<{ thread: LoaderThread }>(threads, "GetThread", {
        thread_id: threadId,
      });
      expect(fetched.thread).toMatchObject({
        thread_id: threadId,
        agent: "demo",
        status: "THREAD_STATUS_COMPLETED",
        seq: "1",
      });
      const listed = await callUnary<{ messages: LoaderMessage[] }>(threads, "ListMessages", {
        thread_id: threadId,
      });
      expect(outlineLoaderMessages(listed.messages)).toEqual([
        ["ROLE_USER", "text: hi"],
        ["ROLE_ASSISTANT", "step_start", "text: You said: hi"],
      ]);
    },
  );

  it("X4 answers an unknown symbol with NOT_FOUND on the open stream, which stays usable", async () => {
    if (server === undefined) throw new Error("no server");
    const reflection = new ReflectionClient(server.address, "v1");
    closers.push(() => reflection.close());

    const answer = await reflection.ask({ fileContainingSymbol: "durable_agents.v1.NoSuchThing" });
    expect(answer).toMatchObject({ case: "error", code: 5 });
    // The same stream still answers.
    const files = await reflection.filesContaining("durable_agents.v1.ThreadService.GetThread");
    expect(files.length).toBeGreaterThan(1);
  });
});
