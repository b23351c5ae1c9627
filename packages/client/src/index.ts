// @durable-agents/client: createAgentClient, watchThread and the terminal chat arrive with
// issue #6. The package exists now so the workspace, its build and its lint have their final shape.
export {};
