// A stock @grpc/grpc-js client built at run time from the `.proto` files by @grpc/proto-loader:
// no generated code, the way any Node project would call the service (X4). Responses are plain
// objects in proto-loader's shape (field names as in the .proto, int64 as strings, enums as their
// names, defaults filled in, the name of each set oneof case in a property named after the oneof).
import {
  type ClientReadableStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import { PROTO_ROOT } from "./interop-server.js";

/** How proto-loader turns messages into objects (see above). */
export const DECODING_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The options for loading `.proto` files: `proto/` is the only include path. */
export const PROTO_LOADER_OPTIONS: Options = { ...DECODING_OPTIONS, includeDirs: [PROTO_ROOT] };

export type ServiceClient = InstanceType<ServiceClientConstructor>;

/** Loads `.proto` files (paths relative to `proto/`) into grpc-js service constructors. */
export function loadProtos(files: readonly string[]): GrpcObject {
  return loadPackageDefinition(loadSync([...files], PROTO_LOADER_OPTIONS));
}

/** Loads a package definition (from files or descriptors) into grpc-js service constructors. */
export function loadDefinition(definition: PackageDefinition): GrpcObject {
  return loadPackageDefinition(definition);
}

const isServiceConstructor = (value: unknown): value is ServiceClientConstructor =>
  typeof value === "function" && "service" in value;

/** The client constructor of a service by its full name, e.g. `durable_agents.v1.ThreadService`. */
export function serviceConstructor(root: GrpcObject, fullName: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of fullName.split(".")) {
    node = typeof node === "object" && node !== null ? Reflect.get(node, part) : undefined;
  }
  if (!isServiceConstructor(node)) throw new Error(`${fullName} is not a loaded service`);
  return node;
}

/** A client of `fullName` on an insecure (h2c) channel to `address` (`host:port`). */
export function connect(root: GrpcObject, fullName: string, address: string): ServiceClient {
  const Constructor = serviceConstructor(root, fullName);
  return new Constructor(address, credentials.createInsecure());
}

type UnaryStub = (
  request: object,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: object) => void,
) => void;

type ServerStreamStub = (
  request: object,
  options: { deadline: number },
) => ClientReadableStream<object>;

function stub(client: ServiceClient, method: string): unknown {
  const candidate = Reflect.get(client, method);
  if (typeof candidate !== "function") throw new Error(`the client has no method ${method}`);
  return candidate;
}

/**
 * Calls a unary method through the stub proto-loader made (`client.CreateThread(…)`). `T` is the
 * shape the test expects back; the test's assertions check it.
 */
export function callUnary<T>(
  client: ServiceClient,
  method: string,
  request: object,
  timeoutMs = 10_000,
): Promise<T> {
  const call = stub(client, method) as UnaryStub;
  return new Promise((resolve, reject) => {
    call.call(client, request, { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error !== null) reject(error);
      else if (response === undefined) reject(new Error(`${method} returned no response`));
      else resolve(response as T);
    });
  });
}

export interface StreamReading<T> {
  items: T[];
  /** `stopped`: the reader cancelled the call; `ended`: the server ended it. */
  outcome: "stopped" | "ended";
}

export interface ReadOptions<T> {
  /** Ends the reading (by cancelling the call) once it accepts the items so far. */
  stop: (items: readonly T[]) => boolean;
  /** Sees each item as it arrives, before `stop`. */
  onItem?: (item: T) => void;
  /** @default 10_000 */
  timeoutMs?: number;
}

/**
 * Reads a server-streaming method until `stop` accepts the items so far, then cancels the call
 * (the client's way of ending a stream), or until the server ends it; fails at the deadline.
 */
export function readServerStream<T>(
  client: ServiceClient,
  method: string,
  request: object,
  { stop, onItem, timeoutMs = 10_000 }: ReadOptions<T>,
): Promise<StreamReading<T>> {
  const open = stub(client, method) as ServerStreamStub;
  const call = open.call(client, request, { deadline: Date.now() + timeoutMs });
  const items: T[] = [];
  let isStopped = false;
  return new Promise((resolve, reject) => {
    call.on("data", (item: T) => {
      if (isStopped) return;
      items.push(item);
      onItem?.(item);
      if (stop(items)) {
        isStopped = true;
        call.cancel();
        resolve({ items, outcome: "stopped" });
      }
    });
    call.on("error", (error: ServiceError) => {
      if (isStopped && error.code === status.CANCELLED) return;
      isStopped = true;
      reject(
        error.code === status.DEADLINE_EXCEEDED
          ? new Error(`${method} did not reach its stop condition within ${timeoutMs} ms`)
          : error,
      );
    });
    call.on("end", () => {
      if (isStopped) return;
      isStopped = true;
      resolve({ items, outcome: "ended" });
    });
  });
}
