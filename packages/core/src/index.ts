// The public surface of @durable-agents/core: pure logic shared by the server, the client and
// tool runners, by folder: convert/ (AI SDK <-> protobuf), errors/ (B22, B23, Retry-After),
// retry/ (backoff, B9, B15), streaming/ (B5), threads/ (B2-B3, B7-B8, B10-B14, B19, X3).
// Generated protobuf code is published separately as `@durable-agents/core/proto`.

export { ConversionError, isConversionError } from "./convert/conversion-error.js";
export { jsonToProtoValue, protoValueToJson, toJsonValue } from "./convert/json.js";
export { protoToUIChunk, uiChunkToProto } from "./convert/ui-chunk.js";
export type { StoredMessageFields } from "./convert/ui-message.js";
export { protoToUIMessage, uiMessageToProto } from "./convert/ui-message.js";
export { protoToUIPart, uiPartToProto } from "./convert/ui-part.js";
export type { UIChunk, UIPart } from "./convert/ui-types.js";
export { addUsage, protoToUsage, usageToProto } from "./convert/usage.js";
export type { TurnErrorClassification } from "./errors/classify-turn-error.js";
export { classifyTurnError } from "./errors/classify-turn-error.js";
export type { ErrorSignals } from "./errors/error-signals.js";
export { collectErrorSignals } from "./errors/error-signals.js";
export { errorTextOf } from "./errors/error-text.js";
export type { HeaderSource } from "./errors/http-headers.js";
export { MAX_RETRY_AFTER_MS, parseRetryAfterMs } from "./errors/retry-after.js";
export { isRetryableToolError } from "./errors/tool-error-retryability.js";
export type { TurnErrorKind, TurnErrorKindTraits } from "./errors/turn-error-kind.js";
export { TURN_ERROR_KIND_TRAITS, TURN_ERROR_KINDS } from "./errors/turn-error-kind.js";
export type {
  BackoffJitter,
  BackoffPolicy,
  ExponentialBackoffPolicy,
  FixedBackoffPolicy,
} from "./retry/backoff.js";
export {
  computeBackoffDelayMs,
  DEFAULT_TOOL_RETRY_BACKOFF,
  DEFAULT_TURN_RETRY_BACKOFF,
} from "./retry/backoff.js";
export type {
  ResolvedToolRetryPolicy,
  ToolRetryDecision,
  ToolRetryDelaySource,
  ToolRetryFailReason,
  ToolRetryInput,
  ToolRetryPolicy,
  ToolRetryRefused,
  ToolRetryScheduled,
  ToolShouldRetryResult,
} from "./retry/tool-retry-decision.js";
export {
  DEFAULT_TOOL_RETRY_MAX_ATTEMPTS,
  decideToolRetry,
  withToolRetryDefaults,
} from "./retry/tool-retry-decision.js";
export type {
  ResolvedTurnRetryOptions,
  TurnRetryDecision,
  TurnRetryDelaySource,
  TurnRetryFailReason,
  TurnRetryHookDecision,
  TurnRetryInput,
  TurnRetryOptions,
  TurnRetryRefused,
  TurnRetryScheduled,
} from "./retry/turn-retry-decision.js";
export {
  DEFAULT_TURN_RETRY_MAX_ATTEMPTS,
  decideTurnRetry,
  isMeaningfulChunk,
  withTurnRetryDefaults,
} from "./retry/turn-retry-decision.js";
export type { CompactChunksOptions } from "./streaming/compact-chunks.js";
export { compactChunks } from "./streaming/compact-chunks.js";
export type {
  DeltaRow,
  DeltaSequencerState,
  SequencedDeltas,
} from "./streaming/delta-sequencer.js";
export { initialDeltaSequencerState, sequenceDeltas } from "./streaming/delta-sequencer.js";
export type { FlushTiming, FlushTimingInput } from "./streaming/flush-throttle.js";
export { DEFAULT_DELTA_THROTTLE_MS, decideFlush } from "./streaming/flush-throttle.js";
export type {
  AddMessageAdmission,
  AdmissionRefusal,
  AdmissionRefusalReason,
  AdmissionThread,
  BusyPolicy,
  ResumeAdmission,
  ResumeRequest,
  SendMessageAdmission,
} from "./threads/admission.js";
export { checkAddMessage, checkResume, checkSendMessage } from "./threads/admission.js";
export type { ContinueDecision, ContinueOptions } from "./threads/continue-decision.js";
export { decideContinue } from "./threads/continue-decision.js";
export type { EndOfTurnDecision, TurnEnd } from "./threads/end-of-turn.js";
export { decideEndOfTurn } from "./threads/end-of-turn.js";
export type { FinalizeCheck, FinalizeRequest } from "./threads/finalize-check.js";
export { checkFinalize } from "./threads/finalize-check.js";
export type {
  StaleFinalizerCounter,
  StaleFinalizerHistory,
  StaleFinalizerRecord,
} from "./threads/stale-finalizer-counter.js";
export {
  recordStaleFinalizer,
  STALE_FINALIZER_ALERT_THRESHOLD,
  STALE_FINALIZER_WINDOW_MS,
} from "./threads/stale-finalizer-counter.js";
export type { StopDecision } from "./threads/stop-plan.js";
export {
  isStreamAlive,
  isStreamTimedOut,
  nextHeartbeatDelayMs,
} from "./threads/stream-liveness.js";
export type {
  StreamLockDecision,
  StreamOwnershipInput,
  StreamWriteCheck,
} from "./threads/stream-lock.js";
export { checkStreamWrite, decideStreamLock } from "./threads/stream-lock.js";
export {
  STREAM_ALIVE_THRESHOLD_MS,
  STREAM_CLEANUP_DELAY_MS,
  STREAM_HEARTBEAT_INTERVAL_MS,
  STREAM_HEARTBEAT_MAX_JITTER_MS,
  STREAM_TIMEOUT_MS,
} from "./threads/stream-timing.js";
export type {
  RetryStateSnapshot,
  StreamAbort,
  StreamAbortReason,
  StreamSnapshot,
  ThreadSnapshot,
} from "./threads/thread-snapshot.js";
export type { StreamStatus, ThreadStatus } from "./threads/thread-status.js";
export { isBusyStatus, isIdleStatus, isStreamOpen } from "./threads/thread-status.js";
export type { ToolCompleteDecision } from "./threads/tool-complete-check.js";
export { decideAfterToolComplete } from "./threads/tool-complete-check.js";
