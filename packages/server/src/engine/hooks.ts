// Hooks of the embedding API (DESIGN §5): TypeScript callbacks an embedder passes to createServer
// (for all agents) or on one agent. A hook that throws is logged; it never changes the state the
// engine committed.
import type { TurnErrorKind, TurnRetryHookDecision } from "@durable-agents/core";
import type { ModelMessage, UIMessage } from "ai";
import type {
  FailureRecord,
  MessageRecord,
  RetryStateRecord,
  ThreadRecord,
  Usage,
} from "../store/records.js";

export interface TurnErrorInfo {
  threadId: string;
  error: unknown;
  kind: TurnErrorKind;
  retryable: boolean;
  requiresExplicitHandling: boolean;
  attempt: number;
  maxAttempts: number;
}

/**
 * Decides whether a call of the API may proceed; false answers PERMISSION_DENIED. It runs after
 * authentication and the role rules (X5). `principal` is null while authentication is off;
 * `roles` are the principal's (empty then). `threadId` is the thread a unary request names (unset
 * for other requests and for streaming calls).
 */
export type AuthorizeHook = (input: {
  principal: string | null;
  roles: readonly string[];
  service: string;
  method: string;
  threadId: string | undefined;
}) => boolean | Promise<boolean>;

export interface EngineHooks {
  /** Rewrites the messages the model sees (B4). */
  transformMessages?(input: {
    thread: ThreadRecord;
    messages: ModelMessage[];
    uiMessages: UIMessage[];
  }): ModelMessage[] | Promise<ModelMessage[]>;
  /** Overrides the default classification of a failed turn (B9). */
  classify?(
    input: TurnErrorInfo,
  ): TurnRetryHookDecision | undefined | Promise<TurnRetryHookDecision | undefined>;
  /** A turn's assistant message was committed. */
  onMessageComplete?(input: { thread: ThreadRecord; message: MessageRecord }): void | Promise<void>;
  /** A turn ended and the model is done (B7: finish reason not tool-calls). */
  onTurnComplete?(input: { thread: ThreadRecord; message: MessageRecord }): void | Promise<void>;
  /** The thread failed (B9). */
  onError?(input: TurnErrorInfo & { failure: FailureRecord }): void | Promise<void>;
  /** A failed turn will be retried (B9). */
  onRetry?(input: TurnErrorInfo & { retryState: RetryStateRecord }): void | Promise<void>;
  /**
   * The thread's status changed, as committed: a transaction that passes through a status and
   * leaves it (a turn that ends on its tool calls whose results are already in, and so starts the
   * next turn) reports only where it ended.
   */
  onStatusChange?(input: {
    thread: ThreadRecord;
    previousStatus: ThreadRecord["status"];
  }): void | Promise<void>;
  /** Custom access rules for every call of the API (see AuthorizeHook); server-wide only. */
  authorize?: AuthorizeHook;
  /** A model response reported usage (B24). */
  onUsage?(input: { thread: ThreadRecord; messageId: string; usage: Usage }): void | Promise<void>;
}
