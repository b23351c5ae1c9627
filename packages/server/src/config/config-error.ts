// The one error configuration problems raise: it names where the value came from (a file, an
// environment variable, a command-line flag) and the path of every bad field.

/** One problem with one configuration value. */
export interface ConfigIssue {
  /** Where in its source the value is, e.g. `agents[0].retry.maxAttempts` or `--listen`. */
  path: string;
  message: string;
}

/** An invalid server configuration; `source` is a file path, or "environment"/"command line". */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
    options?: ErrorOptions,
  ) {
    super(
      `Invalid configuration in ${source}:\n${issues
        .map((issue) => `  - ${issue.path === "" ? "(top level)" : issue.path}: ${issue.message}`)
        .join("\n")}`,
      options,
    );
  }
}

/** isConfigError tells a {@link ConfigError} apart from any other thrown value. */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/u;

/** A field path as a reader writes it: `agents[0].retry`, `providers["my.llm"].apiKey`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
