// better-sqlite3 has no prebuilt binary reachable here and compiles with node-gyp, which would
// download Node's headers. When the running Node ships its headers (Debian's nodejs, the official
// tarballs), point node-gyp at them so the install works offline.
const { existsSync } = require("node:fs");
const { dirname, join } = require("node:path");

const nodePrefix = dirname(dirname(process.execPath));
const hasLocalHeaders = existsSync(join(nodePrefix, "include/node/node.h"));

module.exports = {
  hooks: {
    updateConfig(config) {
      if (!hasLocalHeaders) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodePrefix } };
    },
  },
};
