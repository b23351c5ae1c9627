// @durable-agents/client/react: React hooks over the client (React is an optional peer
// dependency; this subpath is the only module that imports it).
export type { UseAgentChatOptions, UseAgentChatResult } from "./use-agent-chat.js";
export { useAgentChat } from "./use-agent-chat.js";
export type { SmoothTextOptions } from "./use-smooth-text.js";
export { useSmoothText } from "./use-smooth-text.js";
export type {
  UseThreadMessagesOptions,
  UseThreadMessagesResult,
} from "./use-thread-messages.js";
export { useThreadMessages } from "./use-thread-messages.js";
