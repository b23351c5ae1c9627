// The `noop` tool the instant model calls: run in-process by the embedded server, and loaded by
// the runner process of the NATS figure (`durable-agents-runner --module noop-tool.js`), so both
// loops execute the very same tool.
import { defineTool } from "@durable-agents/tool-runner";
import { z } from "zod";
import { NOOP_TOOL_NAME } from "./instant-model.js";

export const noopTool = defineTool({
  name: NOOP_TOOL_NAME,
  description: "Does nothing.",
  args: z.object({}),
  handler: async () => ({}),
});
