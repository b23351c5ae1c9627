// Reading a failed RPC the way a client does (DESIGN §3): the gRPC code, the ErrorInfo reason and
// the BadRequest field violations in the status details.
import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";

/** The ConnectError a call failed with; fails the test if it succeeded or failed otherwise. */
export async function rpcError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error: unknown) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("the call succeeded; an error was expected");
}

export interface RpcErrorView {
  code: string;
  reason: string | undefined;
  fields: string[];
}

/** The code (by name), the ErrorInfo reason and the BadRequest fields of an error. */
export function describeRpcError(error: ConnectError): RpcErrorView {
  const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
  const fields = error
    .findDetails(googleRpc.BadRequestSchema)
    .flatMap((badRequest) => badRequest.fieldViolations.map((violation) => violation.field));
  return { code: Code[error.code], reason: info?.reason, fields };
}

/** Calls and describes the error it fails with. */
export async function failureOf(call: Promise<unknown>): Promise<RpcErrorView> {
  return describeRpcError(await rpcError(call));
}
