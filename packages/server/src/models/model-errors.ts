// Typed errors of model resolution (DESIGN §5: an agent's `model` is "<provider>:<model id>").
// Configuration mistakes, so the server reports them at start-up, naming what is wrong.

/** A model reference that is not written `<provider>:<model id>`. */
export class InvalidModelReferenceError extends Error {
  override readonly name = "InvalidModelReferenceError";
  constructor(readonly reference: string) {
    super(`Model "${reference}" must be written "<provider>:<model id>", e.g. "demo:echo"`);
  }
}

/** isInvalidModelReferenceError tells an {@link InvalidModelReferenceError} apart. */
export function isInvalidModelReferenceError(error: unknown): error is InvalidModelReferenceError {
  return error instanceof InvalidModelReferenceError;
}

/** A model reference whose provider is not configured. */
export class UnknownProviderError extends Error {
  override readonly name = "UnknownProviderError";
  constructor(
    readonly provider: string,
    readonly reference: string,
    readonly knownProviders: readonly string[],
  ) {
    super(
      `Unknown provider "${provider}" in model "${reference}"; configured providers: ${
        knownProviders.length > 0 ? knownProviders.join(", ") : "none"
      }`,
    );
  }
}

/** isUnknownProviderError tells an {@link UnknownProviderError} apart. */
export function isUnknownProviderError(error: unknown): error is UnknownProviderError {
  return error instanceof UnknownProviderError;
}

/** A model id its provider does not have (only providers with a fixed list, like `demo`, know). */
export class UnknownModelError extends Error {
  override readonly name = "UnknownModelError";
  constructor(
    readonly provider: string,
    readonly modelId: string,
    readonly knownModelIds: readonly string[],
  ) {
    super(
      `Unknown model "${modelId}" of provider "${provider}"; its models: ${knownModelIds.join(", ")}`,
    );
  }
}

/** isUnknownModelError tells an {@link UnknownModelError} apart. */
export function isUnknownModelError(error: unknown): error is UnknownModelError {
  return error instanceof UnknownModelError;
}

/** Why an optional provider package could not be used. */
export type ProviderPackageProblem = "missing" | "load-failed" | "incompatible";

/** A provider type (`openai`, `anthropic`) whose AI SDK package is missing or unusable. */
export class ProviderPackageError extends Error {
  override readonly name = "ProviderPackageError";
  constructor(
    readonly provider: string,
    readonly packageName: string,
    readonly problem: ProviderPackageProblem,
    options?: ErrorOptions,
  ) {
    super(
      {
        missing: `Provider "${provider}" needs the package ${packageName}, which is not installed; install it next to @durable-agents/server (e.g. pnpm add ${packageName})`,
        "load-failed": `Provider "${provider}" needs the package ${packageName}, which failed to load`,
        incompatible: `Provider "${provider}": the installed ${packageName} is not an AI SDK 6 provider package`,
      }[problem],
      options,
    );
  }
}

/** isProviderPackageError tells a {@link ProviderPackageError} apart. */
export function isProviderPackageError(error: unknown): error is ProviderPackageError {
  return error instanceof ProviderPackageError;
}

/** A model object that does not implement the AI SDK 6 language model specification (v3). */
export class UnsupportedModelError extends Error {
  override readonly name = "UnsupportedModelError";
  constructor(readonly description: string) {
    super(
      `${description} is not an AI SDK 6 language model (specificationVersion "v3" with doGenerate and doStream)`,
    );
  }
}

/** isUnsupportedModelError tells an {@link UnsupportedModelError} apart. */
export function isUnsupportedModelError(error: unknown): error is UnsupportedModelError {
  return error instanceof UnsupportedModelError;
}
