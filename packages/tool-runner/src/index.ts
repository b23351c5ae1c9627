// @durable-agents/tool-runner: defineTool and createToolRunner arrive with issues #3 (in-process)
// and #4 (NATS runners). The package exists now so the workspace, its build and its lint have
// their final shape.
export {};
