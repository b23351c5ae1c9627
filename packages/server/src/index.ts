// @durable-agents/server: createServer and the `durable-agents serve` CLI arrive with issue #3
// (the durable engine on the embedded default). The package exists now so the workspace, its
// build and its lint have their final shape.
export {};
