// Checks of request fields that the protobuf types cannot express; violations become
// INVALID_ARGUMENT with google.rpc.BadRequest (DESIGN §3).
import { Code, ConnectError } from "@connectrpc/connect";
import { invalidArgument } from "./errors.js";

export function requireId(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "is required" }]);
  return value;
}

export function requireText(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "must not be empty" }]);
  return value;
}

/**
 * request_id promises idempotent retries, which the server does not keep yet: refusing it is
 * honest, ignoring it would let a client believe its retry cannot duplicate.
 */
export function refuseRequestId(requestId: string): void {
  if (requestId !== "") {
    throw new ConnectError(
      "request_id (idempotent retries) is not supported yet; send the request without it",
      Code.Unimplemented,
    );
  }
}
