// Loads the configuration of `durable-agents serve` (DESIGN §5). The only module that reads the
// configuration file and the process environment; everything it decides is in pure functions.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import { parseConfigText } from "./config-file-format.js";
import { CONFIG_ENV, type Environment, parseServeArgs, readEnv } from "./config-overrides.js";
import { resolveServerConfig } from "./resolve-config.js";
import type { ServerConfig } from "./server-config.js";

/** Where `loadServerConfig` reads from; tests pass their own. */
export interface LoadServerConfigOptions {
  /**
   * The arguments after `serve`.
   * @default []
   */
  argv?: readonly string[];
  /**
   * The environment.
   * @default process.env
   */
  env?: Environment;
  /**
   * Directory a relative `--config` path is relative to.
   * @default process.cwd()
   */
  cwd?: string;
}

/**
 * The server configuration from `--config FILE` (or `DURABLE_AGENTS_CONFIG`), the environment and
 * `--listen`, with defaults filled in. Throws a ConfigError naming the file, variable or flag
 * and the path of each bad field.
 */
export async function loadServerConfig(
  options: LoadServerConfigOptions = {},
): Promise<ServerConfig> {
  const env = options.env ?? process.env;
  const args = parseServeArgs(options.argv ?? []);
  const path = args.configFile ?? readEnv(env, CONFIG_ENV.configFile);
  const file =
    path === undefined
      ? undefined
      : { path, data: parseConfigText(await readConfigFile(path, options.cwd), path) };
  return resolveServerConfig({ file, env, args });
}

async function readConfigFile(path: string, cwd = process.cwd()): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), "utf8");
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: "", message: `cannot read the file: ${reason}` }], {
      cause: error,
    });
  }
}
