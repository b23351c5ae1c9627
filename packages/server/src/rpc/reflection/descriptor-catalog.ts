import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

/** What the server serves, as reflection describes it. */
export interface ServedDescriptors {
  /** The services the server serves; their files (and those files' imports) are described. */
  services: readonly DescService[];
  /**
   * Further files to describe though they hold no served service, e.g. the messages tool
   * runners exchange over NATS.
   * @default []
   */
  files?: readonly DescFile[];
}

/** Lookups over the served services and every file they need, for gRPC server reflection. */
export interface DescriptorCatalog {
  /** The fully qualified names of the served services. */
  readonly serviceNames: readonly string[];
  /** The file with this name (e.g. "grpc/health/v1/health.proto"). */
  fileByName(fileName: string): DescFile | undefined;
  /**
   * The file declaring a fully qualified symbol: a service, a method ("pkg.Service.Method"),
   * a message, an enum or an extension, top-level or nested. A leading "." is accepted.
   */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  /** The file declaring extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): DescFile | undefined;
  /** The extension numbers declared for message `extendee`; undefined for an unknown message. */
  extensionNumbersOf(extendee: string): number[] | undefined;
  /** `file` then every file it imports, transitively, each a serialized FileDescriptorProto. */
  encodeWithDependencies(file: DescFile): Uint8Array[];
}

export function createDescriptorCatalog(served: ServedDescriptors): DescriptorCatalog {
  const files = withDependencies([
    ...served.services.map((service) => service.file),
    ...(served.files ?? []),
  ]);
  const filesByName = new Map<string, DescFile>();
  const filesBySymbol = new Map<string, DescFile>();
  const messageNames = new Set<string>();
  const extensionFiles = new Map<string, Map<number, DescFile>>();

  for (const file of files) {
    filesByName.set(file.proto.name, file);
    for (const symbol of declaredSymbols(file.proto)) {
      filesBySymbol.set(symbol.name, file);
      if (symbol.kind === "message") messageNames.add(symbol.name);
      if (symbol.kind === "extension") {
        const byNumber = extensionFiles.get(symbol.extendee) ?? new Map<number, DescFile>();
        byNumber.set(symbol.number, file);
        extensionFiles.set(symbol.extendee, byNumber);
      }
    }
  }

  // Serialized lazily and once: most files are never asked for.
  const encoded = new Map<DescFile, Uint8Array>();
  const encode = (file: DescFile) => {
    let bytes = encoded.get(file);
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      encoded.set(file, bytes);
    }
    return bytes;
  };

  return {
    serviceNames: served.services.map((service) => service.typeName),
    fileByName: (fileName) => filesByName.get(fileName),
    fileContainingSymbol: (symbol) => filesBySymbol.get(withoutLeadingDot(symbol)),
    fileContainingExtension: (extendee, number) =>
      extensionFiles.get(withoutLeadingDot(extendee))?.get(number),
    extensionNumbersOf(extendee) {
      const name = withoutLeadingDot(extendee);
      if (!messageNames.has(name)) return undefined;
      return [...(extensionFiles.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
    encodeWithDependencies: (file) => withDependencies([file]).map(encode),
  };
}

/**
 * The given files and everything they import, transitively, the given ones first. Each file
 * appears once by name: two copies of a module (say, of the well-known types) would otherwise
 * describe the same file twice, which reflection clients reject.
 */
function withDependencies(roots: readonly DescFile[]): DescFile[] {
  const byName = new Map<string, DescFile>();
  const queue = [...roots];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (byName.has(file.proto.name)) continue;
    byName.set(file.proto.name, file);
    queue.push(...file.dependencies);
  }
  return [...byName.values()];
}

/** A fully qualified name a file declares. */
type DeclaredSymbol =
  | { kind: "message" | "enum" | "service" | "method"; name: string }
  | { kind: "extension"; name: string; extendee: string; number: number };

/**
 * Every fully qualified name `file` declares: services and their methods, messages (map entries
 * included, since fields name them), enums and extensions, at any depth. Read from the
 * descriptor itself, so it names exactly what a reflection client finds in the file it gets.
 */
function* declaredSymbols(file: FileDescriptorProto): Generator<DeclaredSymbol> {
  const prefix = file.package === "" ? "" : `${file.package}.`;
  for (const service of file.service) {
    const name = prefix + service.name;
    yield { kind: "service", name };
    for (const method of service.method) yield { kind: "method", name: `${name}.${method.name}` };
  }
  for (const enumType of file.enumType) yield { kind: "enum", name: prefix + enumType.name };
  for (const extension of file.extension) yield extensionSymbol(prefix, extension);
  for (const message of file.messageType) yield* messageSymbols(prefix, message);
}

function* messageSymbols(prefix: string, message: DescriptorProto): Generator<DeclaredSymbol> {
  const name = prefix + message.name;
  yield { kind: "message", name };
  for (const enumType of message.enumType) yield { kind: "enum", name: `${name}.${enumType.name}` };
  for (const extension of message.extension) yield extensionSymbol(`${name}.`, extension);
  for (const nested of message.nestedType) yield* messageSymbols(`${name}.`, nested);
}

function extensionSymbol(prefix: string, extension: FieldDescriptorProto): DeclaredSymbol {
  return {
    kind: "extension",
    name: prefix + extension.name,
    extendee: withoutLeadingDot(extension.extendee),
    number: extension.number,
  };
}

/** Descriptors write resolved type names with a leading dot; some clients send one too. */
function withoutLeadingDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
