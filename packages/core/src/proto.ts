// The generated protobuf code (packages/core/src/gen, from proto/), published as
// `@durable-agents/core/proto`. The names are owned by the .proto files, so this module
// re-exports whole generated files instead of listing names that would drift from them
// (docs/decisions.md). The standard gRPC and google.rpc protos are namespaced: the two
// reflection versions define the same names.
import { file_durable_agents_v1_admin_service } from "./gen/durable_agents/v1/admin_service_pb.js";
import { file_durable_agents_v1_agent_service } from "./gen/durable_agents/v1/agent_service_pb.js";
import { file_durable_agents_v1_errors } from "./gen/durable_agents/v1/errors_pb.js";
import { file_durable_agents_v1_message } from "./gen/durable_agents/v1/message_pb.js";
import { file_durable_agents_v1_runner } from "./gen/durable_agents/v1/runner_pb.js";
import { file_durable_agents_v1_stream_service } from "./gen/durable_agents/v1/stream_service_pb.js";
import { file_durable_agents_v1_thread } from "./gen/durable_agents/v1/thread_pb.js";
import { file_durable_agents_v1_thread_service } from "./gen/durable_agents/v1/thread_service_pb.js";
import { file_durable_agents_v1_tool_call } from "./gen/durable_agents/v1/tool_call_pb.js";
import { file_durable_agents_v1_tool_call_service } from "./gen/durable_agents/v1/tool_call_service_pb.js";

export * from "./gen/durable_agents/v1/admin_service_pb.js";
export * from "./gen/durable_agents/v1/agent_service_pb.js";
export * from "./gen/durable_agents/v1/errors_pb.js";
export * from "./gen/durable_agents/v1/message_pb.js";
export * from "./gen/durable_agents/v1/runner_pb.js";
export * from "./gen/durable_agents/v1/stream_service_pb.js";
export * from "./gen/durable_agents/v1/thread_pb.js";
export * from "./gen/durable_agents/v1/thread_service_pb.js";
export * from "./gen/durable_agents/v1/tool_call_pb.js";
export * from "./gen/durable_agents/v1/tool_call_service_pb.js";
export * as googleRpc from "./gen/google/rpc/error_details_pb.js";
export * as healthV1 from "./gen/grpc/health/v1/health_pb.js";
export * as reflectionV1 from "./gen/grpc/reflection/v1/reflection_pb.js";
export * as reflectionV1alpha from "./gen/grpc/reflection/v1alpha/reflection_pb.js";

/** Every file of the durable_agents.v1 API, e.g. to serve them by gRPC reflection. */
export const durableAgentsProtoFiles = [
  file_durable_agents_v1_admin_service,
  file_durable_agents_v1_agent_service,
  file_durable_agents_v1_errors,
  file_durable_agents_v1_message,
  file_durable_agents_v1_runner,
  file_durable_agents_v1_stream_service,
  file_durable_agents_v1_thread,
  file_durable_agents_v1_thread_service,
  file_durable_agents_v1_tool_call,
  file_durable_agents_v1_tool_call_service,
] as const;
