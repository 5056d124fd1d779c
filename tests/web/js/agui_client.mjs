// Runs one AG-UI run with the reference client and prints what it saw as JSON.
//
//   node agui_client.mjs URL [QUESTION]
//
// `HttpAgent.runAgent` sends a RunAgentInput (the question as a user message) and
// pipes the reply through the client's own pipeline: the SSE parser, the schema
// check of every event (which strips and warns about unknown material), the
// verifier (`verifyEvents`: RUN_STARTED first, nothing closed that is not open,
// nothing open at RUN_FINISHED) and the message store (`apply`). Printed:
// {error, warnings, events, result, messages}: the events as the subscriber got
// them after verification, the run's result, the agent's messages afterwards,
// the error that ended the run (null if none) and every console warning.
import { HttpAgent } from "@ag-ui/client";

const [url, question = "Is 1009 a prime number?"] = process.argv.slice(2);
if (!url) {
  console.error("usage: node agui_client.mjs URL [QUESTION]");
  process.exit(2);
}

const warnings = [];
const keep = (...args) => warnings.push(args.map(String).join(" "));
console.warn = keep;
console.error = keep; // runAgent logs "Agent execution failed" here before it throws

const agent = new HttpAgent({
  url,
  threadId: "thread-1",
  initialMessages: [{ id: "user-1", role: "user", content: question }],
});
const events = [];
let result;
let error = null;
try {
  ({ result } = await agent.runAgent(
    { runId: "run-1" },
    {
      onEvent({ event }) {
        events.push(event);
      },
    },
  ));
} catch (caught) {
  error = String(caught?.message ?? caught);
}
process.stdout.write(
  JSON.stringify({ error, warnings, events, result: result ?? null, messages: agent.messages }),
);
