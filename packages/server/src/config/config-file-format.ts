// Turns the text of a configuration file into data: JSON for `.json` files, YAML otherwise (a
// YAML parser also reads JSON, but JSON.parse names JSON mistakes more precisely).
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./config-error.js";

/** The data of a configuration file; an empty file is an empty configuration. */
export function parseConfigText(text: string, path: string): unknown {
  try {
    const data: unknown = path.toLowerCase().endsWith(".json")
      ? JSON.parse(text)
      : parseYaml(text, { prettyErrors: true });
    return data ?? {};
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: "", message: `not valid JSON or YAML: ${reason}` }], {
      cause: error,
    });
  }
}
