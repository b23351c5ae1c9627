// The public surface of @durable-agents/client for Node (the package's default entry). Browsers
// and bundlers get ./browser.ts through the "browser" export condition: the same names, with
// transports over the Fetch API. React hooks are the subpath @durable-agents/client/react.
// The names are listed once, in ./surface.ts (docs/decisions.md).

export { createAgentClient } from "./create-agent-client.js";
export * from "./surface.js";
