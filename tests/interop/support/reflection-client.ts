// A gRPC server reflection client that knows nothing of durable-agents: it speaks the reflection
// protocol (grpc.reflection.v1 or v1alpha, the same wire format) through grpc-js, asks which
// services exist and for the files that define them, and turns the FileDescriptorProtos it got
// back into grpc-js clients with @grpc/proto-loader, the way grpcurl or Postman work.
//
// The reflection messages themselves are encoded by hand at the wire level: every reflection
// client carries that protocol built in, and it keeps any local `.proto` file out of the picture.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Client, type ClientDuplexStream, credentials, type ServiceError } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { DECODING_OPTIONS } from "./grpc-js.js";

export type ReflectionVersion = "v1" | "v1alpha";

/** The `message_request` cases this client sends (field numbers of ServerReflectionRequest). */
export type ReflectionQuery =
  | { listServices: string }
  | { fileContainingSymbol: string }
  | { fileByFilename: string };

/** The `message_response` of a ServerReflectionResponse, decoded. */
export type ReflectionAnswer =
  | { case: "services"; names: string[] }
  | { case: "files"; fileDescriptorProtos: Uint8Array[] }
  | { case: "error"; code: number; message: string }
  | { case: "other"; fieldNumber: number };

function encodeQuery(query: ReflectionQuery): Buffer {
  const writer = new BinaryWriter();
  if ("listServices" in query) {
    writer.tag(7, WireType.LengthDelimited).string(query.listServices);
  } else if ("fileContainingSymbol" in query) {
    writer.tag(4, WireType.LengthDelimited).string(query.fileContainingSymbol);
  } else {
    writer.tag(3, WireType.LengthDelimited).string(query.fileByFilename);
  }
  return Buffer.from(writer.finish());
}

/** Reads each field of a message, calling `onField` with a reader positioned at its value. */
function forEachField(
  bytes: Uint8Array,
  onField: (fieldNumber: number, wireType: WireType, reader: BinaryReader) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNumber, wireType] = reader.tag();
    if (!onField(fieldNumber, wireType, reader)) reader.skip(wireType, fieldNumber);
  }
}

function decodeAnswer(bytes: Uint8Array): ReflectionAnswer {
  let answer: ReflectionAnswer | undefined;
  forEachField(bytes, (fieldNumber, _wireType, reader) => {
    switch (fieldNumber) {
      case 4: {
        // FileDescriptorResponse { repeated bytes file_descriptor_proto = 1 }
        const fileDescriptorProtos: Uint8Array[] = [];
        forEachField(reader.bytes(), (inner, _type, innerReader) => {
          if (inner !== 1) return false;
          fileDescriptorProtos.push(innerReader.bytes());
          return true;
        });
        answer = { case: "files", fileDescriptorProtos };
        return true;
      }
      case 6: {
        // ListServiceResponse { repeated ServiceResponse service = 1 }, ServiceResponse { name = 1 }
        const names: string[] = [];
        forEachField(reader.bytes(), (inner, _type, innerReader) => {
          if (inner !== 1) return false;
          forEachField(innerReader.bytes(), (nameField, _nameType, nameReader) => {
            if (nameField !== 1) return false;
            names.push(nameReader.string());
            return true;
          });
          return true;
        });
        answer = { case: "services", names };
        return true;
      }
      case 7: {
        // ErrorResponse { int32 error_code = 1; string error_message = 2 }
        let code = 0;
        let message = "";
        forEachField(reader.bytes(), (inner, _type, innerReader) => {
          if (inner === 1) code = innerReader.int32();
          else if (inner === 2) message = innerReader.string();
          else return false;
          return true;
        });
        answer = { case: "error", code, message };
        return true;
      }
      case 1:
      case 2:
        // valid_host and original_request: not needed.
        return false;
      default:
        answer = { case: "other", fieldNumber };
        return false;
    }
  });
  if (answer === undefined) throw new Error("the reflection response has no message_response");
  return answer;
}

/** One open ServerReflectionInfo stream: each query is answered in order on the same stream. */
export class ReflectionClient {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<Buffer, Buffer>;
  private readonly waiting: {
    resolve: (answer: ReflectionAnswer) => void;
    reject: (error: Error) => void;
  }[] = [];
  private failure: Error | undefined;

  constructor(address: string, version: ReflectionVersion) {
    this.client = new Client(address, credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(
      `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      (query: Buffer) => query,
      (answer: Buffer) => answer,
    );
    this.call.on("data", (bytes: Buffer) => {
      const waiter = this.waiting.shift();
      if (waiter === undefined) return;
      try {
        waiter.resolve(decodeAnswer(bytes));
      } catch (error: unknown) {
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    this.call.on("error", (error: ServiceError) => this.fail(error));
    this.call.on("end", () => this.fail(new Error("the reflection stream ended")));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  ask(query: ReflectionQuery): Promise<ReflectionAnswer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(encodeQuery(query));
    });
  }

  async listServices(): Promise<string[]> {
    const answer = await this.ask({ listServices: "" });
    if (answer.case !== "services") throw new Error(`list_services answered ${answer.case}`);
    return answer.names;
  }

  /** The file declaring `symbol` and its transitive imports, as FileDescriptorProto bytes. */
  async filesContaining(symbol: string): Promise<Uint8Array[]> {
    const answer = await this.ask({ fileContainingSymbol: symbol });
    if (answer.case !== "files") {
      throw new Error(`file_containing_symbol ${symbol} answered ${JSON.stringify(answer)}`);
    }
    return answer.fileDescriptorProtos;
  }

  close(): void {
    this.fail(new Error("the reflection client was closed"));
    this.call.end();
    this.call.cancel();
    this.client.close();
  }
}

/**
 * A FileDescriptorSet (`repeated FileDescriptorProto file = 1`) of the given files, each once,
 * loaded into grpc-js service constructors by @grpc/proto-loader.
 */
export function loadDescriptors(fileDescriptorProtos: readonly Uint8Array[]) {
  const seen = new Set<string>();
  const writer = new BinaryWriter();
  for (const file of fileDescriptorProtos) {
    const key = Buffer.from(file).toString("base64");
    if (seen.has(key)) continue;
    seen.add(key);
    writer.tag(1, WireType.LengthDelimited).bytes(file);
  }
  return loadFileDescriptorSetFromBuffer(Buffer.from(writer.finish()), DECODING_OPTIONS);
}
