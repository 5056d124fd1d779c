// Drives the app's A2A surface with the official JavaScript client and prints what it saw as JSON.
//
//   node a2a_client.mjs BASE_URL TOKEN QUESTION SLOW_SKILL
//
// `ClientFactory.createFromUrl` fetches the agent card (without the token: the card is
// public) and picks the transport from its interfaces; every call after that sends
// `Authorization: Bearer TOKEN` through the JSON-RPC transport's fetch. Then:
// 1. a streamed task (`sendMessageStream`, the question as a text part, the card's
//    default skill), and `getTask` once that stream has ended;
// 2. a cancel: a streamed task of SLOW_SKILL (the message's metadata `skill`),
//    `cancelTask` as soon as its first artifact chunk arrives (timed), the rest
//    of that stream read to its end, and `getTask` after it.
// Printed: {card, streamed, task, cancel: {ms, answer, events, task}}; the events are
// the client's StreamResponse objects, `payload.$case` and `payload.value`.
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { Role } from "@a2a-js/sdk";

const [base, token, question, slowSkill] = process.argv.slice(2);
if (!base || !token || !question || !slowSkill) {
  console.error("usage: node a2a_client.mjs BASE_URL TOKEN QUESTION SLOW_SKILL");
  process.exit(2);
}

function authFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const factory = new ClientFactory(
  ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl: authFetch })],
  }),
);
const client = await factory.createFromUrl(base);
const card = await client.getAgentCard();

function message(id, metadata) {
  return {
    message: {
      messageId: id,
      role: Role.ROLE_USER,
      parts: [{ content: { $case: "text", value: question } }],
      metadata,
    },
  };
}

const streamed = [];
for await (const event of client.sendMessageStream(message("js-1"))) {
  streamed.push(event);
}
const taskId = streamed[0].payload.value.id;
const task = await client.getTask({ id: taskId });

const slowEvents = [];
let cancel = null;
for await (const event of client.sendMessageStream(message("js-2", { skill: slowSkill }))) {
  slowEvents.push(event);
  if (cancel === null && event.payload.$case === "artifactUpdate") {
    const started = performance.now();
    const answer = await client.cancelTask({ id: event.payload.value.taskId });
    cancel = { ms: performance.now() - started, answer };
  }
}
cancel.events = slowEvents;
cancel.task = await client.getTask({ id: slowEvents[0].payload.value.id });

process.stdout.write(JSON.stringify({ card, streamed, task, cancel }));
