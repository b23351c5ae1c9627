/**
 * ConversionError says that a value cannot be converted between the AI SDK types and the protobuf
 * model: a protobuf message missing what every AI SDK object needs (a role, a tool state, a part
 * case), or a value JSON cannot carry. The RPC layer maps it to `INVALID_ARGUMENT`, since such a
 * value can only come from a caller.
 */
export class ConversionError extends Error {
  override readonly name = "ConversionError";
}

/** isConversionError tells a {@link ConversionError} apart from any other thrown value. */
export function isConversionError(error: unknown): error is ConversionError {
  return error instanceof ConversionError;
}
