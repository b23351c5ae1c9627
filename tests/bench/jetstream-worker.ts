// The worker process of `floor.jetstream_hop` (`node jetstream-worker.js URL STREAM CONSUMER
// SUBJECT`): pulls jobs from the durable pull consumer CONSUMER of the work-queue stream STREAM,
// publishes each job's payload to SUBJECT awaiting JetStream's PubAck, then acks the job — what a
// tool runner does with a task and its outcome, without the tool. Prints "ready" once it pulls.
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const [url, stream, consumerName, resultSubject] = process.argv.slice(2);
if (
  url === undefined ||
  stream === undefined ||
  consumerName === undefined ||
  resultSubject === undefined
) {
  throw new Error("usage: jetstream-worker.js URL STREAM CONSUMER RESULT_SUBJECT");
}

const nc = await connect({ servers: url });
const js = jetstream(nc);
const consumer = await js.consumers.get(stream, consumerName);
const jobs = await consumer.consume();
process.stdout.write("ready\n");
for await (const job of jobs) {
  await js.publish(resultSubject, job.data);
  job.ack();
}
