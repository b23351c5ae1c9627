import { describe, expect, it } from "vitest";
import {
  type AddMessageAdmission,
  type AdmissionThread,
  type BusyPolicy,
  checkAddMessage,
  checkResume,
  checkSendMessage,
  type ResumeAdmission,
  type ResumeRequest,
  type SendMessageAdmission,
} from "./admission.js";
import type { ThreadStatus } from "./thread-status.js";

const idle = (status: ThreadStatus): AdmissionThread => ({ status, retryState: undefined });
const retrying: AdmissionThread = { status: "streaming", retryState: { nextRetryAt: 5_000 } };

const retryPending = {
  kind: "refuse",
  reason: "retry_pending",
  message: "A retry of the thread's last turn is pending; stop the thread to interrupt the retry.",
} as const;

const busy = (status: string, advice: string) =>
  ({
    kind: "refuse",
    reason: "thread_busy",
    message: `The thread is busy (${status}); ${advice}.`,
  }) as const;

const sendAdvice = "wait for it to finish, stop it, or send with on_busy ENQUEUE or INTERRUPT";

describe("checkSendMessage (B10, B13, X3)", () => {
  it.each<{
    name: string;
    thread: AdmissionThread;
    onBusy: BusyPolicy | undefined;
    expected: SendMessageAdmission;
  }>([
    {
      name: "B13 completed thread: accept",
      thread: idle("completed"),
      onBusy: undefined,
      expected: { kind: "accept" },
    },
    {
      name: "B13 failed thread: accept",
      thread: idle("failed"),
      onBusy: "reject",
      expected: { kind: "accept" },
    },
    {
      name: "B13 stopped thread: accept",
      thread: idle("stopped"),
      onBusy: "interrupt",
      expected: { kind: "accept" },
    },
    {
      name: "B13 idle thread with ENQUEUE: accept at once",
      thread: idle("completed"),
      onBusy: "enqueue",
      expected: { kind: "accept" },
    },
    {
      name: "B10 retry pending: refuse, telling to stop the thread",
      thread: retrying,
      onBusy: undefined,
      expected: retryPending,
    },
    {
      name: "B10 retry pending refuses even with INTERRUPT",
      thread: retrying,
      onBusy: "interrupt",
      expected: retryPending,
    },
    {
      name: "B10 retry pending refuses even with ENQUEUE",
      thread: retrying,
      onBusy: "enqueue",
      expected: retryPending,
    },
    {
      name: "B10 retry pending on an idle thread still refuses",
      thread: { status: "failed", retryState: { nextRetryAt: 0 } },
      onBusy: "reject",
      expected: retryPending,
    },
    {
      name: "B13 streaming thread, default policy (REJECT): refuse busy",
      thread: idle("streaming"),
      onBusy: undefined,
      expected: busy("streaming", sendAdvice),
    },
    {
      name: "B13 awaiting tool results, REJECT: refuse busy",
      thread: idle("awaiting_tool_results"),
      onBusy: "reject",
      expected: busy("awaiting tool results", sendAdvice),
    },
    {
      name: "X3 busy thread, ENQUEUE: queue the message for after the loop",
      thread: idle("streaming"),
      onBusy: "enqueue",
      expected: { kind: "enqueue" },
    },
    {
      name: "X3 busy thread, INTERRUPT: stop the loop, then run",
      thread: idle("awaiting_tool_results"),
      onBusy: "interrupt",
      expected: { kind: "interrupt" },
    },
  ])("$name", ({ thread, onBusy, expected }) => {
    expect(checkSendMessage(thread, onBusy)).toStrictEqual(expected);
  });
});

describe("checkAddMessage (B14)", () => {
  const advice = "messages can only be added to an idle thread";
  it.each<{ name: string; thread: AdmissionThread; expected: AddMessageAdmission }>([
    {
      name: "B14 completed thread: accept",
      thread: idle("completed"),
      expected: { kind: "accept" },
    },
    { name: "B14 failed thread: accept", thread: idle("failed"), expected: { kind: "accept" } },
    { name: "B14 stopped thread: accept", thread: idle("stopped"), expected: { kind: "accept" } },
    {
      name: "B14 streaming thread: refuse busy",
      thread: idle("streaming"),
      expected: busy("streaming", advice),
    },
    {
      name: "B14 awaiting tool results: refuse busy",
      thread: idle("awaiting_tool_results"),
      expected: busy("awaiting tool results", advice),
    },
    { name: "B14 retry pending: refuse", thread: retrying, expected: retryPending },
  ])("$name", ({ thread, expected }) => {
    expect(checkAddMessage(thread)).toStrictEqual(expected);
  });
});

describe("checkResume (B10, B12)", () => {
  const advice = "wait for it to finish or stop it before resuming";
  const noUserMessage = {
    kind: "refuse",
    reason: "no_user_message",
    message:
      "The thread's last message is not a user message, so there is nothing to answer; resume with a prompt or send a message.",
  } as const;

  it.each<{
    name: string;
    thread: AdmissionThread;
    request: ResumeRequest;
    expected: ResumeAdmission;
  }>([
    {
      name: "B12 with a prompt on an idle thread: accept",
      thread: idle("completed"),
      request: { hasPrompt: true, lastMessageRole: "assistant" },
      expected: { kind: "accept" },
    },
    {
      name: "B12 with a prompt on a thread without messages: accept",
      thread: idle("completed"),
      request: { hasPrompt: true, lastMessageRole: undefined },
      expected: { kind: "accept" },
    },
    {
      name: "B12 with a prompt on a busy thread: refuse busy",
      thread: idle("streaming"),
      request: { hasPrompt: true, lastMessageRole: "user" },
      expected: busy("streaming", advice),
    },
    {
      name: "B12 without a prompt on a streaming thread: refuse busy",
      thread: idle("streaming"),
      request: { hasPrompt: false, lastMessageRole: "user" },
      expected: busy("streaming", advice),
    },
    {
      name: "B12 without a prompt awaiting tool results: refuse busy",
      thread: idle("awaiting_tool_results"),
      request: { hasPrompt: false, lastMessageRole: "assistant" },
      expected: busy("awaiting tool results", advice),
    },
    {
      name: "B10 retry pending, with a prompt: refuse",
      thread: retrying,
      request: { hasPrompt: true, lastMessageRole: "user" },
      expected: retryPending,
    },
    {
      name: "B10 retry pending, without a prompt: refuse",
      thread: { status: "failed", retryState: { nextRetryAt: 0 } },
      request: { hasPrompt: false, lastMessageRole: "user" },
      expected: retryPending,
    },
    {
      name: "B12 completed thread whose last message is the user's: restart",
      thread: idle("completed"),
      request: { hasPrompt: false, lastMessageRole: "user" },
      expected: { kind: "accept" },
    },
    {
      name: "B12 failed thread whose last message is the user's: restart",
      thread: idle("failed"),
      request: { hasPrompt: false, lastMessageRole: "user" },
      expected: { kind: "accept" },
    },
    {
      name: "B12 stopped thread whose last message is the user's: restart",
      thread: idle("stopped"),
      request: { hasPrompt: false, lastMessageRole: "user" },
      expected: { kind: "accept" },
    },
    {
      name: "B12 completed thread whose last message is the assistant's: refuse",
      thread: idle("completed"),
      request: { hasPrompt: false, lastMessageRole: "assistant" },
      expected: noUserMessage,
    },
    {
      name: "B12 stopped thread whose last message is the assistant's: refuse",
      thread: idle("stopped"),
      request: { hasPrompt: false, lastMessageRole: "assistant" },
      expected: noUserMessage,
    },
    {
      name: "B12 failed thread whose last message is a system message: refuse",
      thread: idle("failed"),
      request: { hasPrompt: false, lastMessageRole: "system" },
      expected: noUserMessage,
    },
    {
      name: "B12 idle thread without any message and no prompt: refuse",
      thread: idle("completed"),
      request: { hasPrompt: false, lastMessageRole: undefined },
      expected: noUserMessage,
    },
  ])("$name", ({ thread, request, expected }) => {
    expect(checkResume(thread, request)).toStrictEqual(expected);
  });
});
