#!/usr/bin/env python3
"""A durable-agents client in Python, from stubs generated out of the repository's proto/.

It holds the demo agent's conversation with a tool call ("weather in Paris"), then sends a long
message and follows its answer with StreamUpdates: it reads a few updates, cancels the call, and
resumes with the cursor of the last update it read, so no delta is read twice or missed.

Generate the stubs with Debian's protoc and gRPC plugin (apt-get install protobuf-compiler
protobuf-compiler-grpc libprotobuf-dev python3-grpcio), from the repository root:

    mkdir -p /tmp/durable_agents_py
    protoc -I proto \\
        --python_out=/tmp/durable_agents_py \\
        --grpc_python_out=/tmp/durable_agents_py \\
        --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \\
        proto/durable_agents/v1/*.proto

then, with a server running (`pnpm start` serves the demo agent on 127.0.0.1:7700):

    PYTHONPATH=/tmp/durable_agents_py /usr/bin/python3 tests/interop/python/demo_client.py

`--json` prints one JSON report instead of the conversation (tests/interop reads it).
"""

import argparse
import json
import sys

import grpc
from google.protobuf import json_format

from durable_agents.v1 import message_pb2, stream_service_pb2, stream_service_pb2_grpc
from durable_agents.v1 import thread_pb2, thread_service_pb2, thread_service_pb2_grpc

IDLE_STATUSES = (
    thread_pb2.THREAD_STATUS_COMPLETED,
    thread_pb2.THREAD_STATUS_FAILED,
    thread_pb2.THREAD_STATUS_STOPPED,
)


def is_idle(thread):
    """The thread's loop has ended: completed, failed or stopped, and no turn is pending."""
    return thread.status in IDLE_STATUSES and not thread.HasField("active_stream_id")


def wait_until_idle(streams, thread_id, timeout_s):
    """Watches the thread (WatchThread) until its loop has ended; never polls or sleeps."""
    call = streams.WatchThread(
        stream_service_pb2.WatchThreadRequest(thread_id=thread_id), timeout=timeout_s
    )
    try:
        for event in call:
            kind = event.WhichOneof("event")
            if kind == "snapshot":
                thread = event.snapshot.thread
            elif kind == "thread":
                thread = event.thread
            else:
                continue
            if is_idle(thread):
                return thread
    finally:
        # Leaving a server stream early does not end it: cancel the call.
        call.cancel()
    raise RuntimeError(f"WatchThread ended before thread {thread_id} went idle")


def list_messages(threads, thread_id):
    """Every message of the thread, page by page."""
    messages = []
    page_token = ""
    while True:
        page = threads.ListMessages(
            thread_service_pb2.ListMessagesRequest(
                thread_id=thread_id, page_size=100, page_token=page_token
            ),
            timeout=10,
        )
        messages.extend(page.messages)
        page_token = page.next_page_token
        if not page_token:
            return messages


def text_of(message):
    """The text of a message's text parts, joined."""
    return "".join(part.text.text for part in message.parts if part.WhichOneof("part") == "text")


def read_delta(delta):
    """A delta's position and the text of its text-delta chunks."""
    text = "".join(
        chunk.text_delta.delta for chunk in delta.chunks if chunk.WhichOneof("chunk") == "text_delta"
    )
    return {"streamSeq": delta.stream_seq, "deltaSeq": delta.delta_seq, "text": text}


def weather_conversation(threads, streams, timeout_s):
    """The demo agent calls get_weather for Paris, then answers with the tool's output."""
    created = threads.CreateThread(
        thread_service_pb2.CreateThreadRequest(agent="demo", prompt="weather in Paris"),
        timeout=10,
    )
    thread_id = created.thread.thread_id
    done = wait_until_idle(streams, thread_id, timeout_s)
    return thread_id, done, list_messages(threads, thread_id)


def resumed_answer(threads, streams, thread_id, prompt, cut_after, timeout_s):
    """Sends `prompt` and reads its answer with StreamUpdates in two calls.

    The first call is cancelled once `cut_after` deltas carried text; the second resumes with the
    `cursor` of the last update the first one read, and ends at the answer stream's end.
    """
    thread = threads.GetThread(
        thread_service_pb2.GetThreadRequest(thread_id=thread_id), timeout=10
    ).thread
    # The answer is written by the thread's next stream (seq = thread.seq + 1).
    answer_seq = thread.seq + 1

    def is_answer_end(update):
        return (
            update.WhichOneof("update") == "stream_state"
            and update.stream_state.stream_seq == answer_seq
            and update.stream_state.status == stream_service_pb2.STREAM_STATUS_FINISHED
        )

    first_call = []
    cursor = None
    ended = False
    call = streams.StreamUpdates(
        stream_service_pb2.StreamUpdatesRequest(thread_id=thread_id, from_seq=answer_seq),
        timeout=timeout_s,
    )
    try:
        for update in call:
            cursor = update.cursor
            kind = update.WhichOneof("update")
            if kind == "caught_up" and not first_call:
                # The stored history is sent: send the message while the call listens live.
                threads.SendMessage(
                    thread_service_pb2.SendMessageRequest(thread_id=thread_id, prompt=prompt),
                    timeout=10,
                )
            elif kind == "delta":
                first_call.append(read_delta(update.delta))
                if sum(1 for delta in first_call if delta["text"]) >= cut_after:
                    break
            elif is_answer_end(update):
                # A short answer can end before the cut: there is nothing left to resume.
                ended = True
                break
    finally:
        # Leaving a server stream early does not end it: cancel the call.
        call.cancel()

    resumed_call = []
    if not ended:
        call = streams.StreamUpdates(
            stream_service_pb2.StreamUpdatesRequest(thread_id=thread_id, after=cursor),
            timeout=timeout_s,
        )
        try:
            for update in call:
                if update.WhichOneof("update") == "delta":
                    resumed_call.append(read_delta(update.delta))
                elif is_answer_end(update):
                    break
        finally:
            call.cancel()

    wait_until_idle(streams, thread_id, timeout_s)
    answer = list_messages(threads, thread_id)[-1]
    return {
        "streamSeq": answer_seq,
        "firstCall": first_call,
        "resumedCall": resumed_call,
        "committedText": text_of(answer),
    }


def print_conversation(messages):
    for message in messages:
        print(f"{message_pb2.Role.Name(message.role)}:")
        for part in message.parts:
            kind = part.WhichOneof("part")
            if kind == "text":
                print(f"  {part.text.text}")
            elif kind == "tool":
                tool = json_format.MessageToDict(part.tool)
                print(
                    f"  [tool {tool.get('toolName')} {tool.get('state')}]"
                    f" input={json.dumps(tool.get('input'))} output={json.dumps(tool.get('output'))}"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:7700", help="host:port of the server")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per call")
    parser.add_argument(
        "--cut-after", type=int, default=1, help="text deltas to read before the cut"
    )
    parser.add_argument(
        "--long-prompt",
        default=" ".join(f"word{index}" for index in range(1, 101)),
        help="the message whose echo is read in two StreamUpdates calls",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON report")
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        threads = thread_service_pb2_grpc.ThreadServiceStub(channel)
        streams = stream_service_pb2_grpc.StreamServiceStub(channel)
        thread_id, done, messages = weather_conversation(threads, streams, args.timeout)
        resume = resumed_answer(
            threads, streams, thread_id, args.long_prompt, args.cut_after, args.timeout
        )

    if args.json:
        json.dump(
            {
                "threadId": thread_id,
                "status": thread_pb2.ThreadStatus.Name(done.status),
                # The proto3 JSON mapping, as any other client would see the messages.
                "messages": [json_format.MessageToDict(message) for message in messages],
                "resume": resume,
            },
            sys.stdout,
        )
        print()
        return
    print(f"thread {thread_id}: {thread_pb2.ThreadStatus.Name(done.status)}")
    print_conversation(messages)
    streamed = "".join(delta["text"] for delta in resume["firstCall"] + resume["resumedCall"])
    print(f"answer: {resume['committedText']}")
    print(
        f"streamed as {len(resume['firstCall'])} deltas, cancel, resume, {len(resume['resumedCall'])}"
        f" more; the same text as the committed answer: {streamed == resume['committedText']}"
    )


if __name__ == "__main__":
    main()
