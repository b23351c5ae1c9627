// Provider types whose AI SDK package is optional (DESIGN §5: "when their packages are
// installed"): loaded by dynamic import, so the server neither depends on nor bundles them.
import { ProviderPackageError } from "./model-errors.js";

/** Provider types served by an optional AI SDK package. */
export type OptionalProviderType = "openai" | "anthropic";

/** The package and factory function of each optional provider type. */
const OPTIONAL_PROVIDER_PACKAGES: Readonly<
  Record<OptionalProviderType, { packageName: string; factoryName: string }>
> = {
  openai: { packageName: "@ai-sdk/openai", factoryName: "createOpenAI" },
  anthropic: { packageName: "@ai-sdk/anthropic", factoryName: "createAnthropic" },
};

/** Imports a package by name; the default is the runtime's dynamic `import()`. */
export type PackageImporter = (packageName: string) => Promise<unknown>;

/** The runtime's own dynamic import. */
export const importPackage: PackageImporter = (packageName) => import(packageName);

/** A provider factory (`createOpenAI`, `createAnthropic`) as loaded: its result is checked later. */
export type ProviderFactory = (settings: Record<string, unknown>) => unknown;

/**
 * Loads the factory of an optional provider type. Only "this package is not installed" becomes a
 * `missing` error: a package that is present but fails (e.g. its own dependency is missing) keeps
 * its cause, so the operator sees the real problem.
 */
export async function loadProviderFactory(
  providerName: string,
  type: OptionalProviderType,
  importer: PackageImporter,
): Promise<ProviderFactory> {
  const { packageName, factoryName } = OPTIONAL_PROVIDER_PACKAGES[type];
  let module: unknown;
  try {
    module = await importer(packageName);
  } catch (error: unknown) {
    const problem = isPackageNotFound(error, packageName) ? "missing" : "load-failed";
    throw new ProviderPackageError(providerName, packageName, problem, { cause: error });
  }
  const factory: unknown =
    typeof module === "object" && module !== null ? Reflect.get(module, factoryName) : undefined;
  if (typeof factory !== "function") {
    throw new ProviderPackageError(providerName, packageName, "incompatible");
  }
  return (settings) => Reflect.apply(factory, undefined, [settings]);
}

const MODULE_NOT_FOUND_CODES = new Set(["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]);

function isPackageNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, "code");
  // Node reports the missing package by name; a missing dependency of the package names another.
  return (
    typeof code === "string" &&
    MODULE_NOT_FOUND_CODES.has(code) &&
    error.message.includes(`'${packageName}'`)
  );
}
