import { Code } from "@connectrpc/connect";
import type { DescriptorCatalog } from "./descriptor-catalog.js";

/**
 * The `message_request` oneof of a `ServerReflectionRequest`, the same in reflection v1 and
 * v1alpha, so one function answers both.
 */
export type ReflectionQuery =
  | { case: "fileByFilename"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: "allExtensionNumbersOfType"; value: string }
  | { case: "listServices"; value: string }
  | { case: undefined; value?: undefined };

/** The `message_response` oneof of a `ServerReflectionResponse`, in either version. */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | {
      case: "allExtensionNumbersResponse";
      value: { baseTypeName: string; extensionNumber: number[] };
    }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * Answers one reflection query. Files come with all their transitive imports, since a client
 * cannot build a descriptor without them. Unknown names are answered with an error response
 * (gRPC code NOT_FOUND) on the open stream rather than by failing it, as the reflection
 * protocol specifies, so one bad lookup does not cost the client its other answers.
 */
export function answerReflectionQuery(
  catalog: DescriptorCatalog,
  query: ReflectionQuery,
): ReflectionAnswer {
  switch (query.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: catalog.serviceNames.map((name) => ({ name })) },
      };
    case "fileByFilename": {
      const file = catalog.fileByName(query.value);
      return file === undefined
        ? notFound(`file "${query.value}" not found`)
        : fileAnswer(catalog.encodeWithDependencies(file));
    }
    case "fileContainingSymbol": {
      const file = catalog.fileContainingSymbol(query.value);
      return file === undefined
        ? notFound(`symbol "${query.value}" not found`)
        : fileAnswer(catalog.encodeWithDependencies(file));
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = query.value;
      const file = catalog.fileContainingExtension(containingType, extensionNumber);
      return file === undefined
        ? notFound(`extension ${extensionNumber} of "${containingType}" not found`)
        : fileAnswer(catalog.encodeWithDependencies(file));
    }
    case "allExtensionNumbersOfType": {
      const numbers = catalog.extensionNumbersOf(query.value);
      return numbers === undefined
        ? notFound(`message type "${query.value}" not found`)
        : {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: query.value, extensionNumber: numbers },
          };
    }
    case undefined:
      return {
        case: "errorResponse",
        value: { errorCode: Code.InvalidArgument, errorMessage: "message_request is not set" },
      };
  }
}

function fileAnswer(fileDescriptorProto: Uint8Array[]): ReflectionAnswer {
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
}

function notFound(errorMessage: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage } };
}
