// The public surface of @durable-agents/client in browsers and bundlers (the "browser" export
// condition): the names of ./index.ts, with createAgentClient over the Fetch API and no Node
// module imported. A test keeps the two lists equal.

export { createAgentClient } from "./create-agent-client.browser.js";
export * from "./surface.js";
