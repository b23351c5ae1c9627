// A module as `durable-agents-runner --module FILE` loads it: a default export array and a
// named tool.
import { z } from "zod";
import { defineTool } from "../define-tool.js";

export const whisper = defineTool({
  name: "whisper",
  description: "Lower-cases text",
  args: z.object({ text: z.string() }),
  handler: async ({ text }) => text.toLowerCase(),
});

export default [
  defineTool({
    name: "shout",
    description: "Upper-cases text",
    args: z.object({ text: z.string() }),
    handler: async ({ text }) => text.toUpperCase(),
  }),
];
