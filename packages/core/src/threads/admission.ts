import type { UIMessage } from "ai";
import type { ThreadSnapshot } from "./thread-snapshot.js";
import { isBusyStatus } from "./thread-status.js";

/** What SendMessage does with a busy thread (X3); the proto's `on_busy` without its prefix. */
export type BusyPolicy = "reject" | "enqueue" | "interrupt";

/**
 * Why a message or resume was refused. The RPC layer maps every reason to FAILED_PRECONDITION:
 * - `retry_pending`: a turn retry is scheduled (B10);
 * - `thread_busy`: a turn is streaming or tool results are awaited (B12, B13, B14);
 * - `no_user_message`: an idle thread resumed without a prompt has no user message to answer (B12).
 */
export type AdmissionRefusalReason = "retry_pending" | "thread_busy" | "no_user_message";

export interface AdmissionRefusal {
  kind: "refuse";
  reason: AdmissionRefusalReason;
  /** A human message for the caller, saying what to do instead. */
  message: string;
}

/** The thread fields admission looks at. */
export type AdmissionThread = Pick<ThreadSnapshot, "status" | "retryState">;

/**
 * SendMessage admission (B13, X3):
 * - `accept`: add the user message, clear the stop signal and continue (B2);
 * - `enqueue`: keep the message and send it when the current loop ends (X3 ENQUEUE);
 * - `interrupt`: stop the current loop (B11), then add the message and continue (X3 INTERRUPT).
 */
export type SendMessageAdmission =
  | { kind: "accept" }
  | { kind: "enqueue" }
  | { kind: "interrupt" }
  | AdmissionRefusal;

/** AddMessage admission (B14): `accept` adds the message without starting a turn. */
export type AddMessageAdmission = { kind: "accept" } | AdmissionRefusal;

/**
 * ResumeThread admission (B12): `accept` adds the prompt (if any) as a user message, clears the stop
 * signal and continues (B2).
 */
export type ResumeAdmission = { kind: "accept" } | AdmissionRefusal;

/** What ResumeThread was called with, and the thread's last message. */
export interface ResumeRequest {
  hasPrompt: boolean;
  /** Role of the thread's last message; `undefined` when the thread has none. */
  lastMessageRole: UIMessage["role"] | undefined;
}

/**
 * B10 comes first, whatever the busy policy: a pending retry is only interrupted by StopThread,
 * which the refusal tells the caller.
 */
export function checkSendMessage(
  thread: AdmissionThread,
  onBusy: BusyPolicy = "reject",
): SendMessageAdmission {
  if (thread.retryState !== undefined) {
    return retryPending();
  }
  if (!isBusyStatus(thread.status)) {
    return { kind: "accept" };
  }
  switch (onBusy) {
    case "reject":
      return threadBusy(
        thread,
        "wait for it to finish, stop it, or send with on_busy ENQUEUE or INTERRUPT",
      );
    case "enqueue":
      return { kind: "enqueue" };
    case "interrupt":
      return { kind: "interrupt" };
  }
}

/**
 * A pending retry counts as busy here too: the retry will start a turn, and a message added under
 * it would change the conversation the retry replays.
 */
export function checkAddMessage(thread: AdmissionThread): AddMessageAdmission {
  if (thread.retryState !== undefined) {
    return retryPending();
  }
  if (isBusyStatus(thread.status)) {
    return threadBusy(thread, "messages can only be added to an idle thread");
  }
  return { kind: "accept" };
}

/**
 * With a prompt the thread must accept a new message (not busy). Without one it must be idle, and
 * an idle thread only restarts when its last message is the user's: otherwise the model would have
 * nothing to answer.
 */
export function checkResume(thread: AdmissionThread, request: ResumeRequest): ResumeAdmission {
  if (thread.retryState !== undefined) {
    return retryPending();
  }
  if (isBusyStatus(thread.status)) {
    return threadBusy(thread, "wait for it to finish or stop it before resuming");
  }
  if (!request.hasPrompt && request.lastMessageRole !== "user") {
    return {
      kind: "refuse",
      reason: "no_user_message",
      message:
        "The thread's last message is not a user message, so there is nothing to answer; resume with a prompt or send a message.",
    };
  }
  return { kind: "accept" };
}

function retryPending(): AdmissionRefusal {
  return {
    kind: "refuse",
    reason: "retry_pending",
    message:
      "A retry of the thread's last turn is pending; stop the thread to interrupt the retry.",
  };
}

function threadBusy(thread: AdmissionThread, advice: string): AdmissionRefusal {
  return {
    kind: "refuse",
    reason: "thread_busy",
    message: `The thread is busy (${describeStatus(thread.status)}); ${advice}.`,
  };
}

function describeStatus(status: AdmissionThread["status"]): string {
  return status === "awaiting_tool_results" ? "awaiting tool results" : status;
}
