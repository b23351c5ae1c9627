// Command go-runner is a durable-agents tool runner written in Go from proto/durable_agents/v1/
// runner.proto and NATS alone (X4): no SDK of this project, no gRPC port. It serves one sync tool,
// go_weather, and follows the runner wire protocol of runner.proto's header comment:
//
//   - it registers the tool with a RegisterToolsRequest on <prefix>.tools.register;
//   - it takes ToolTasks from the durable pull consumer tool_go_weather of stream <PREFIX>_TOOLS,
//     creating the streams and the consumer when it starts first;
//   - it reports CLAIMED and RUNNING ToolProgress on <prefix>.tools.progress and sends in-progress
//     acks while a handler runs;
//   - it publishes a ToolOutcome to <prefix>.tools.outcome and acks the task only after JetStream
//     has stored the outcome, so a runner that dies leaves its task to be redelivered;
//   - it aborts a handler when a ToolCancellation for its attempt arrives on
//     <prefix>.tools.cancel.go_weather or the task's deadline passes;
//   - on SIGTERM it stops taking tasks, finishes the ones it holds and drains its connection.
//
// The protobuf code is generated at test time (tests/interop/go-runner.test.ts) with Debian's
// protoc and protoc-gen-go into the GOPATH package durableagents/pb/v1, and the runner is built in
// GOPATH mode against Debian's golang-github-nats-io-go-nats-dev and golang-google-protobuf-dev.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "durableagents/pb/v1"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// toolName is the one tool this runner serves.
const toolName = "go_weather"

// heartbeatInterval spaces in-progress acks and RUNNING progress while a handler runs; it stays
// well under the consumer's ack wait so JetStream never redelivers a task that is still running.
const heartbeatInterval = 5 * time.Second

// consumerAckWait is the ack wait of the consumer when this runner creates it.
const consumerAckWait = 30 * time.Second

type options struct {
	natsURL     string
	prefix      string
	runnerID    string
	concurrency int
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("go-runner ")
	hostname, _ := os.Hostname()
	opts := options{}
	flag.StringVar(&opts.natsURL, "nats", envOr("DURABLE_AGENTS_NATS_URL", nats.DefaultURL), "NATS server URL")
	flag.StringVar(&opts.prefix, "prefix", envOr("DURABLE_AGENTS_NATS_PREFIX", "durable_agents"), "NATS subject prefix")
	flag.StringVar(&opts.runnerID, "runner-id", fmt.Sprintf("go-%s-%d", hostname, os.Getpid()), "runner id reported in outcomes")
	flag.IntVar(&opts.concurrency, "concurrency", 4, "tasks handled at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, opts); err != nil {
		log.Fatalf("stopped: %v", err)
	}
	log.Printf("drained and stopped")
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

// runner holds what the task handlers share.
type runner struct {
	opts     options
	nc       *nats.Conn
	js       nats.JetStreamContext
	inFlight sync.Map // "<thread_id>:<tool_call_id>" → *attempt
}

// attempt is a task a handler is running, so a ToolCancellation can abort it.
type attempt struct {
	number int32
	cancel context.CancelFunc
	mu     sync.Mutex
	reason string // the ToolCancellation's reason, once one arrived
}

func (a *attempt) abort(reason string) {
	a.mu.Lock()
	a.reason = reason
	a.mu.Unlock()
	a.cancel()
}

// abortReason says why the handler's context ended.
func (a *attempt) abortReason(ctx context.Context) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reason != "" {
		return a.reason
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the tool call's deadline passed"
	}
	return ctx.Err().Error()
}

func run(ctx context.Context, opts options) error {
	closed := make(chan struct{})
	nc, err := nats.Connect(opts.natsURL,
		nats.Name("durable-agents go-runner "+opts.runnerID),
		nats.MaxReconnects(-1),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
	)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", opts.natsURL, err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return err
	}
	r := &runner{opts: opts, nc: nc, js: js}

	streamPrefix := strings.ToUpper(opts.prefix)
	toolsStream := streamPrefix + "_TOOLS"
	taskSubject := opts.prefix + ".tools.exec." + toolName
	durable := "tool_" + toolName
	if err := ensureStream(js, toolsStream, opts.prefix+".tools.exec.>"); err != nil {
		return err
	}
	if err := ensureStream(js, streamPrefix+"_OUTCOMES", opts.prefix+".tools.outcome"); err != nil {
		return err
	}
	if err := ensureConsumer(js, toolsStream, durable, taskSubject); err != nil {
		return err
	}
	tasks, err := js.PullSubscribe(taskSubject, durable, nats.Bind(toolsStream, durable))
	if err != nil {
		return fmt.Errorf("bind consumer %s: %w", durable, err)
	}
	if _, err := nc.Subscribe(opts.prefix+".tools.cancel."+toolName, r.onCancellation); err != nil {
		return err
	}

	registered := make(chan struct{})
	go func() {
		defer close(registered)
		r.register(ctx)
	}()
	log.Printf("serving %s on %s as %s", toolName, taskSubject, opts.runnerID)

	r.serve(ctx, tasks)
	<-registered
	// Every held task has been answered and acked. Draining unsubscribes (the durable consumer
	// stays, for the other replicas), flushes what is buffered, then closes the connection.
	if err := nc.Drain(); err != nil {
		return err
	}
	<-closed
	return nil
}

// ensureStream creates a work-queue stream unless it exists. A server or another runner that
// started first owns its configuration; losing a creation race to one is fine.
func ensureStream(js nats.JetStreamContext, name, subject string) error {
	if _, err := js.StreamInfo(name); err == nil {
		return nil
	} else if !errors.Is(err, nats.ErrStreamNotFound) {
		return fmt.Errorf("look up stream %s: %w", name, err)
	}
	_, err := js.AddStream(&nats.StreamConfig{
		Name:      name,
		Subjects:  []string{subject},
		Retention: nats.WorkQueuePolicy,
		Storage:   nats.FileStorage,
	})
	if err != nil && !errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	return nil
}

// ensureConsumer creates the tool's durable pull consumer unless it exists; all replicas of the
// tool's runners, in any language, share it.
func ensureConsumer(js nats.JetStreamContext, stream, durable, subject string) error {
	if _, err := js.ConsumerInfo(stream, durable); err == nil {
		return nil
	} else if !errors.Is(err, nats.ErrConsumerNotFound) {
		return fmt.Errorf("look up consumer %s: %w", durable, err)
	}
	_, err := js.AddConsumer(stream, &nats.ConsumerConfig{
		Durable:       durable,
		FilterSubject: subject,
		AckPolicy:     nats.AckExplicitPolicy,
		AckWait:       consumerAckWait,
		MaxDeliver:    -1,
	})
	if err != nil && !errors.Is(err, nats.ErrConsumerNameAlreadyInUse) {
		return fmt.Errorf("create consumer %s: %w", durable, err)
	}
	return nil
}

// register announces the tool until a server answers: no server may be up yet, and a runner
// needs only NATS, not the gRPC port.
func (r *runner) register(ctx context.Context) {
	request, err := proto.Marshal(&pb.RegisterToolsRequest{
		RunnerId: r.opts.runnerID,
		Tools:    []*pb.ToolDefinition{toolDefinition()},
	})
	if err != nil {
		log.Printf("encode RegisterToolsRequest: %v", err)
		return
	}
	delay := 100 * time.Millisecond
	for {
		requestCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		reply, err := r.nc.RequestWithContext(requestCtx, r.opts.prefix+".tools.register", request)
		cancel()
		if err == nil {
			// A refusal follows the NATS services convention: an empty body and these headers.
			if refusal := reply.Header.Get("Nats-Service-Error"); refusal != "" {
				if reply.Header.Get("Nats-Service-Error-Code") == "400" {
					log.Printf("register %s: refused: %s", toolName, refusal)
					return // asking again cannot help
				}
				err = errors.New(refusal)
			} else {
				var response pb.RegisterToolsResponse
				if err = proto.Unmarshal(reply.Data, &response); err == nil {
					if registeredTool(&response) {
						log.Printf("registered %s", toolName)
						return
					}
					err = fmt.Errorf("the response does not list %s", toolName)
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		log.Printf("register %s: %v; retrying in %s", toolName, err, delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		if delay < 2*time.Second {
			delay *= 2
		}
	}
}

func registeredTool(response *pb.RegisterToolsResponse) bool {
	for _, tool := range response.GetTools() {
		if tool.GetName() == toolName {
			return true
		}
	}
	return false
}

func toolDefinition() *pb.ToolDefinition {
	schema, err := structpb.NewStruct(map[string]interface{}{
		"type": "object",
		"properties": map[string]interface{}{
			"location": map[string]interface{}{"type": "string", "description": "The city"},
			"delay_ms": map[string]interface{}{
				"type":        "integer",
				"minimum":     0,
				"description": "How long the weather station takes to answer, in milliseconds",
			},
		},
		"required":             []interface{}{"location"},
		"additionalProperties": false,
	})
	if err != nil {
		panic(err) // a constant schema
	}
	return &pb.ToolDefinition{
		Name:        toolName,
		Description: "Get the current weather for a location (served by a Go runner)",
		InputSchema: schema,
		Kind:        pb.ToolKind_TOOL_KIND_SYNC,
		Timeout:     durationpb.New(time.Minute),
	}
}

// serve takes tasks while ctx lives, at most opts.concurrency at a time, then waits for the
// handlers it started (graceful drain: no held task is dropped).
func (r *runner) serve(ctx context.Context, tasks *nats.Subscription) {
	slots := make(chan struct{}, r.opts.concurrency)
	var handlers sync.WaitGroup
	defer handlers.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case slots <- struct{}{}:
		}
		fetchCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msgs, err := tasks.Fetch(1, nats.Context(fetchCtx))
		cancel()
		if err != nil || len(msgs) == 0 {
			<-slots
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
				log.Printf("fetch: %v", err)
			}
			continue
		}
		handlers.Add(1)
		go func(msg *nats.Msg) {
			defer handlers.Done()
			defer func() { <-slots }()
			r.handle(msg)
		}(msgs[0])
	}
}

// handle runs one attempt and answers it: outcome first, ack after JetStream stored it.
func (r *runner) handle(msg *nats.Msg) {
	var task pb.ToolTask
	if err := proto.Unmarshal(msg.Data, &task); err != nil {
		// Redelivering bytes that do not decode cannot help.
		log.Printf("drop undecodable task: %v", err)
		_ = msg.Term()
		return
	}
	callKey := task.GetThreadId() + ":" + task.GetToolCallId()
	handlerCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if deadline := task.GetDeadline(); deadline != nil {
		var cancelDeadline context.CancelFunc
		handlerCtx, cancelDeadline = context.WithDeadline(handlerCtx, deadline.AsTime())
		defer cancelDeadline()
	}
	held := &attempt{number: task.GetAttempt(), cancel: cancel}
	r.inFlight.Store(callKey, held)
	defer r.inFlight.Delete(callKey)

	r.progress(&task, pb.ToolProgressState_TOOL_PROGRESS_STATE_CLAIMED)
	stopHeartbeat := r.heartbeat(msg, &task)
	started := time.Now()
	result, toolErr := runTool(handlerCtx, &task)
	stopHeartbeat()
	if result == nil && toolErr == nil {
		// Aborted (stopped thread or deadline, X9): the server has ended the call already and
		// ignores this outcome, but the attempt must still be answered and acked.
		result, toolErr = nil, permanentError("AbortError", held.abortReason(handlerCtx))
	}

	outcome := &pb.ToolOutcome{
		ThreadId:   task.GetThreadId(),
		ToolCallId: task.GetToolCallId(),
		Attempt:    task.GetAttempt(),
		RunnerId:   r.opts.runnerID,
		Duration:   durationpb.New(time.Since(started)),
	}
	if toolErr != nil {
		outcome.Outcome = &pb.ToolOutcome_Error{Error: toolErr}
	} else {
		outcome.Outcome = &pb.ToolOutcome_Result{Result: result}
	}
	data, err := proto.Marshal(outcome)
	if err != nil {
		log.Printf("encode outcome of %s: %v", callKey, err)
		_ = msg.Nak()
		return
	}
	if _, err := r.js.Publish(r.opts.prefix+".tools.outcome", data); err != nil {
		// Not stored: leave the task to JetStream, which redelivers it.
		log.Printf("publish outcome of %s: %v", callKey, err)
		_ = msg.Nak()
		return
	}
	if err := msg.AckSync(); err != nil {
		// The outcome is stored; a redelivery runs the attempt again and the server keeps the
		// first outcome (B17).
		log.Printf("ack task of %s: %v", callKey, err)
	}
	log.Printf("answered %s attempt %d", callKey, task.GetAttempt())
}

// heartbeat keeps a running task from being redelivered and tells the servers it is alive (X9).
func (r *runner) heartbeat(msg *nats.Msg, task *pb.ToolTask) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(heartbeatInterval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				_ = msg.InProgress()
				r.progress(task, pb.ToolProgressState_TOOL_PROGRESS_STATE_RUNNING)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// progress is best effort (core NATS): the server's store stays the source of truth.
func (r *runner) progress(task *pb.ToolTask, state pb.ToolProgressState) {
	data, err := proto.Marshal(&pb.ToolProgress{
		ThreadId:   task.GetThreadId(),
		ToolCallId: task.GetToolCallId(),
		Attempt:    task.GetAttempt(),
		RunnerId:   r.opts.runnerID,
		State:      state,
	})
	if err == nil {
		_ = r.nc.Publish(r.opts.prefix+".tools.progress", data)
	}
}

// onCancellation aborts the handler holding the named attempt (0 names any attempt).
func (r *runner) onCancellation(msg *nats.Msg) {
	var cancellation pb.ToolCancellation
	if err := proto.Unmarshal(msg.Data, &cancellation); err != nil {
		log.Printf("drop undecodable cancellation: %v", err)
		return
	}
	value, ok := r.inFlight.Load(cancellation.GetThreadId() + ":" + cancellation.GetToolCallId())
	if !ok {
		return // another runner holds it, or it already ended
	}
	held := value.(*attempt)
	if cancellation.GetAttempt() == 0 || cancellation.GetAttempt() == held.number {
		held.abort(cancellation.GetReason())
	}
}

// runTool is go_weather: the weather of args.location, or a ToolError the model will see, or
// neither when its context ended first.
func runTool(ctx context.Context, task *pb.ToolTask) (*structpb.Value, *pb.ToolError) {
	if task.GetKind() == pb.ToolKind_TOOL_KIND_ASYNC {
		return nil, permanentError("ToolKindError", toolName+" is a sync tool; it has no callback")
	}
	fields := task.GetArgs().GetStructValue().GetFields()
	location := fields["location"].GetStringValue()
	if strings.TrimSpace(location) == "" {
		return nil, permanentError("ValidationError", "location must be a non-empty string")
	}
	// delay_ms makes the station slow, so tests can stop a running handler or drain it.
	if delayMs := fields["delay_ms"].GetNumberValue(); delayMs > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(delayMs) * time.Millisecond):
		}
	}
	if ctx.Err() != nil {
		return nil, nil // the caller reports the abort
	}
	result, err := structpb.NewValue(map[string]interface{}{
		"location":    location,
		"weather":     "sunny",
		"temperature": 22,
		"runner":      "go",
	})
	if err != nil {
		return nil, permanentError("EncodingError", err.Error())
	}
	return result, nil
}

// permanentError is a ToolError the handler says retrying cannot fix (retryable_hint = false).
func permanentError(name, message string) *pb.ToolError {
	retryable := false
	return &pb.ToolError{Name: name, Message: message, RetryableHint: &retryable}
}
