// Domain string unions ⇄ protobuf enums.

import type {
  BusyPolicy as DomainBusyPolicy,
  StreamStatus as DomainStreamStatus,
} from "@durable-agents/core";
import {
  BusyPolicy,
  ErrorKind,
  StreamStatus,
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "@durable-agents/core/proto";
import type {
  ToolCallStatus as DomainToolCallStatus,
  ToolExecutionState as DomainToolExecutionState,
  ToolKind as DomainToolKind,
  FailureKind,
  ThreadRecord,
} from "../../store/records.js";

type DomainThreadStatus = ThreadRecord["status"];

const THREAD_STATUS: Record<DomainThreadStatus, ThreadStatus> = {
  streaming: ThreadStatus.STREAMING,
  awaiting_tool_results: ThreadStatus.AWAITING_TOOL_RESULTS,
  completed: ThreadStatus.COMPLETED,
  failed: ThreadStatus.FAILED,
  stopped: ThreadStatus.STOPPED,
};

export const threadStatusToProto = (status: DomainThreadStatus) => THREAD_STATUS[status];

/** undefined for THREAD_STATUS_UNSPECIFIED or a value this server does not know. */
export function threadStatusFromProto(status: ThreadStatus): DomainThreadStatus | undefined {
  return (Object.keys(THREAD_STATUS) as DomainThreadStatus[]).find(
    (key) => THREAD_STATUS[key] === status,
  );
}

const ERROR_KIND: Record<FailureKind, ErrorKind> = {
  unknown: ErrorKind.UNKNOWN,
  context_overflow: ErrorKind.CONTEXT_OVERFLOW,
  insufficient_credits: ErrorKind.INSUFFICIENT_CREDITS,
  auth: ErrorKind.AUTH,
  rate_limited: ErrorKind.RATE_LIMITED,
  provider_5xx: ErrorKind.PROVIDER_5XX,
  network: ErrorKind.NETWORK,
  invalid_request: ErrorKind.INVALID_REQUEST,
  max_steps_exceeded: ErrorKind.MAX_STEPS_EXCEEDED,
  forced: ErrorKind.FORCED,
};

export const errorKindToProto = (kind: FailureKind) => ERROR_KIND[kind];

const STREAM_STATUS: Record<DomainStreamStatus, StreamStatus> = {
  pending: StreamStatus.PENDING,
  streaming: StreamStatus.STREAMING,
  finished: StreamStatus.FINISHED,
  aborted: StreamStatus.ABORTED,
};

export const streamStatusToProto = (status: DomainStreamStatus) => STREAM_STATUS[status];

const TOOL_KIND: Record<DomainToolKind, ToolKind> = { sync: ToolKind.SYNC, async: ToolKind.ASYNC };

export const toolKindToProto = (kind: DomainToolKind) => TOOL_KIND[kind];
export const toolKindFromProto = (kind: ToolKind): DomainToolKind =>
  kind === ToolKind.ASYNC ? "async" : "sync";

const TOOL_CALL_STATUS: Record<DomainToolCallStatus, ToolCallStatus> = {
  pending: ToolCallStatus.PENDING,
  completed: ToolCallStatus.COMPLETED,
  failed: ToolCallStatus.FAILED,
};

export const toolCallStatusToProto = (status: DomainToolCallStatus) => TOOL_CALL_STATUS[status];

export function toolCallStatusFromProto(status: ToolCallStatus): DomainToolCallStatus | undefined {
  return (Object.keys(TOOL_CALL_STATUS) as DomainToolCallStatus[]).find(
    (key) => TOOL_CALL_STATUS[key] === status,
  );
}

const EXECUTION_STATE: Record<DomainToolExecutionState, ToolExecutionState> = {
  queued: ToolExecutionState.QUEUED,
  claimed: ToolExecutionState.CLAIMED,
  running: ToolExecutionState.RUNNING,
  retry_scheduled: ToolExecutionState.RETRY_SCHEDULED,
  awaiting_result: ToolExecutionState.AWAITING_RESULT,
  done: ToolExecutionState.DONE,
};

export const executionStateToProto = (state: DomainToolExecutionState) => EXECUTION_STATE[state];

/** X3; unspecified means reject (B13). undefined for a value this server does not know. */
export function busyPolicyFromProto(policy: BusyPolicy): DomainBusyPolicy | undefined {
  switch (policy) {
    case BusyPolicy.UNSPECIFIED:
    case BusyPolicy.REJECT:
      return "reject";
    case BusyPolicy.ENQUEUE:
      return "enqueue";
    case BusyPolicy.INTERRUPT:
      return "interrupt";
    default:
      return undefined;
  }
}
