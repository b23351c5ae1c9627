// ListStuck's findings (X10) → protobuf messages.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  StuckReason,
  type StuckThread,
  StuckThreadSchema,
  type StuckToolCall,
  StuckToolCallSchema,
} from "@durable-agents/core/proto";
import type {
  StuckReason as DomainStuckReason,
  StuckThread as DomainStuckThread,
  StuckToolCall as DomainStuckToolCall,
  StuckDiagnosis,
} from "../../engine/stuck.js";
import { threadToProto, toolCallToProto } from "./records.js";

const STUCK_REASON: Record<DomainStuckReason, StuckReason> = {
  stream_heartbeat_lost: StuckReason.STREAM_HEARTBEAT_LOST,
  stream_never_taken: StuckReason.STREAM_NEVER_TAKEN,
  no_active_stream: StuckReason.NO_ACTIVE_STREAM,
  retry_overdue: StuckReason.RETRY_OVERDUE,
  tool_not_dispatched: StuckReason.TOOL_NOT_DISPATCHED,
  tool_heartbeat_lost: StuckReason.TOOL_HEARTBEAT_LOST,
  tool_deadline_passed: StuckReason.TOOL_DEADLINE_PASSED,
  stream_timed_out: StuckReason.STREAM_TIMED_OUT,
  no_pending_tool_calls: StuckReason.NO_PENDING_TOOL_CALLS,
  tool_not_claimed: StuckReason.TOOL_NOT_CLAIMED,
  job_failing: StuckReason.JOB_FAILING,
};

const diagnosisFields = (diagnosis: StuckDiagnosis) => ({
  reason: STUCK_REASON[diagnosis.reason],
  detail: diagnosis.detail,
  since: timestampFromMs(diagnosis.sinceAt),
});

export function stuckThreadToProto(stuck: DomainStuckThread): StuckThread {
  return create(StuckThreadSchema, {
    thread: threadToProto(stuck.thread),
    ...diagnosisFields(stuck.diagnosis),
  });
}

export function stuckToolCallToProto(stuck: DomainStuckToolCall): StuckToolCall {
  return create(StuckToolCallSchema, {
    toolCall: toolCallToProto(stuck.toolCall),
    ...diagnosisFields(stuck.diagnosis),
  });
}
