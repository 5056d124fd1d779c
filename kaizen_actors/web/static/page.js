// The live page: start a run from the form, stream its events (SSE) into one pane per agent,
// the timeline and the result, and show the supervision tree. The run's id stays in the URL
// (?team=<name>&run=<id>), so a reload replays the run from its start; events already shown
// (seq <= the last seen) are skipped, so a reconnection never duplicates text.
const { team } = JSON.parse(document.getElementById("kaizen-data").textContent);
const KINDS = [
  "RunStarted", "RoundStarted", "AgentStarted", "Token", "ToolCalled", "AgentFinished", "Vote",
  "RunFinished", "RunFailed",
];
const TREE_POLL_MS = 1500;
const STORED = `kaizen-actors:inputs:${team.name}`;

const form = document.getElementById("run-form");
const formError = document.getElementById("form-error");
const runButton = document.getElementById("run-button");
const stopButton = document.getElementById("stop-button");
const statePill = document.getElementById("state");
const resultCard = document.getElementById("result");
const treeBox = document.getElementById("tree");
const timeline = new KaizenTimeline(document.getElementById("timeline"), team.members);

const panes = new Map(); // agent -> {el, body, status, turn, node: the text tokens go to, field, follow}
let run = null; // {id, seq: the last seq shown, round, source, ended, treeTimer}
let drawing = false;

/** An element with properties (data-* and aria-* as attributes) and children (strings are text). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (/^(data|aria)-/.test(key)) el.setAttribute(key, value);
    else el[key] = value;
  }
  el.append(...children);
  return el;
}

function setState(state, detail = "") {
  statePill.dataset.state = document.body.dataset.state = state;
  statePill.textContent = detail ? `${state} · ${detail}` : state;
}

// -- the panes -------------------------------------------------------------------------------

function pane(agent) {
  if (!panes.has(agent)) {
    let el = document.querySelector(`.pane[data-agent="${CSS.escape(agent)}"]`);
    if (!el) {
      el = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
      el.dataset.agent = agent;
      el.classList.add(timeline.colour(agent));
      el.querySelector(".name").textContent = agent;
      document.getElementById("panes").append(el);
    }
    const body = el.querySelector(".body");
    const status = el.querySelector(".status");
    const p = { el, body, status, turn: null, node: null, field: null, follow: true };
    body.addEventListener("scroll", () => {
      p.follow = body.scrollHeight - body.scrollTop - body.clientHeight < 24;
    });
    panes.set(agent, p);
  }
  return panes.get(agent);
}

function setStatus(p, status) {
  p.status.dataset.status = status;
  p.status.textContent = status;
}

function startTurn(p, round) {
  const label = h("div", { className: "round" }, round ? `round ${round}` : "turn");
  p.turn = p.body.appendChild(h("div", { className: "turn" }, label));
  p.node = p.field = null;
  setStatus(p, "thinking");
}

function addToken(p, field, text) {
  if (!p.turn) startTurn(p, 0);
  if (!p.node || field !== p.field) {
    p.node = document.createTextNode("");
    const label = field ? [h("span", { className: "label" }, field)] : [];
    p.turn.append(h("div", { className: "field" }, ...label, h("span", { className: "text" }, p.node)));
    p.field = field;
  }
  p.node.appendData(text);
}

function addNote(p, kind, text) {
  (p.turn ?? p.body).append(h("div", { className: `note ${kind}` }, text));
  p.node = null; // text after a note starts a new line
}

function clearPanes() {
  for (const p of panes.values()) {
    p.body.replaceChildren();
    p.turn = p.node = p.field = null;
    setStatus(p, "idle");
  }
}

// -- events ------------------------------------------------------------------------------------

function apply(event) {
  const p = event.agent == null ? null : pane(event.agent);
  switch (event.$type) {
    case "RunStarted":
      fillForm(event.inputs);
      break;
    case "RoundStarted":
      run.round = event.round;
      setState("running", `round ${event.round}`);
      break;
    case "AgentStarted":
      startTurn(p, event.round);
      break;
    case "Token":
      addToken(p, event.field, event.text);
      break;
    case "ToolCalled": {
      const outcome = event.error ?? event.result;
      addNote(p, "tool", `${event.tool}(${JSON.stringify(event.arguments)}) → ${outcome}`);
      break;
    }
    case "Vote":
      addNote(p, "vote", `vote: ${event.choice}`);
      break;
    case "AgentFinished":
      setStatus(p, "done");
      break;
    case "RunFinished":
      showResult({ state: "finished", output: event.output, usage: event.usage, seconds: event.time });
      break;
    case "RunFailed": {
      const state = event.reason === "cancelled" ? "cancelled" : "failed";
      const error = { type: event.error_type, reason: event.reason, message: event.error };
      showResult({ state, error, seconds: event.time });
      break;
    }
  }
}

function onFrame(message) {
  const event = JSON.parse(message.data);
  if (event.seq <= run.seq) return; // shown already, before a reconnection
  run.seq = event.seq;
  apply(event);
  timeline.add(event);
  if (!drawing) {
    drawing = true;
    requestAnimationFrame(redraw);
  }
  if (event.$type === "RunFinished" || event.$type === "RunFailed") finish();
}

function redraw() {
  drawing = false;
  timeline.draw();
  for (const p of panes.values()) if (p.follow) p.body.scrollTop = p.body.scrollHeight;
}

// -- a run: start, follow, resume --------------------------------------------------------------

function follow(id) {
  if (run) stop();
  const treeTimer = setInterval(pollTree, TREE_POLL_MS);
  run = { id, seq: -1, round: 0, source: null, ended: false, treeTimer };
  clearPanes();
  resultCard.hidden = true;
  timeline.reset(team.members);
  timeline.draw();
  setBusy(true);
  setState("starting");
  connect();
}

function connect() {
  const after = run.seq >= 0 ? `?last_event_id=${run.seq}` : "";
  const source = (run.source = new EventSource(`/runs/${encodeURIComponent(run.id)}/events${after}`));
  for (const kind of KINDS) source.addEventListener(kind, onFrame);
  source.onopen = () => setState("running", run.round ? `round ${run.round}` : "");
  source.onerror = () => {
    // EventSource reconnects by itself (sending Last-Event-ID); CLOSED: the server refused it
    if (source.readyState === EventSource.CLOSED) recover(run);
    else setState("reconnecting");
  };
}

/** The stream was refused (410: our position is gone; or an error): ask the run's status. */
async function recover(current) {
  const response = await fetch(`/runs/${encodeURIComponent(current.id)}`).catch(() => null);
  if (current !== run) return; // another run started meanwhile
  if (response?.status === 404) return forgotten(current.id);
  const status = response?.ok ? await response.json() : { state: "running", first_seq: 0 };
  if (status.state !== "running") {
    showResult({ ...status, seconds: null });
    return finish();
  }
  current.seq = Math.max(current.seq, status.first_seq - 1); // go on from what is still kept
  setState("reconnecting");
  setTimeout(() => current === run && !current.ended && connect(), 1000);
}

function finish() {
  stop();
  for (const p of panes.values()) if (p.status.dataset.status === "thinking") setStatus(p, "stopped");
  pollTree();
}

function stop() {
  run.ended = true;
  run.source?.close();
  clearInterval(run.treeTimer);
  setBusy(false);
}

function forgotten(id) {
  if (run) stop();
  setState("idle");
  showError(`run ${id} is no longer kept by the server`);
  history.replaceState(null, "", `?${new URLSearchParams({ team: team.name })}`);
}

async function resume(id) {
  const response = await fetch(`/runs/${encodeURIComponent(id)}`);
  if (!response.ok) return forgotten(id);
  const status = await response.json();
  if (status.team !== team.name) {
    location.replace(`?${new URLSearchParams({ team: status.team, run: id })}`);
    return;
  }
  follow(id);
}

// -- the form ----------------------------------------------------------------------------------

function readForm() {
  const inputs = {};
  for (const el of form.querySelectorAll("[data-kind]")) {
    const { kind } = el.dataset;
    if (kind === "bool") inputs[el.name] = el.checked;
    else if (el.value === "" && !el.required) continue; // left empty: its default
    else if (kind === "number") inputs[el.name] = Number(el.value);
    else if (kind === "json") inputs[el.name] = parseOr(el.value, el.value); // the server explains
    else if (kind === "inputs") Object.assign(inputs, JSON.parse(el.value));
    else inputs[el.name] = el.value;
  }
  return inputs;
}

function parseOr(text, fallback) {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    const el = form.elements.namedItem(name);
    if (!el?.dataset?.kind) continue;
    if (el.dataset.kind === "bool") el.checked = value === true || value === "true";
    else if (el.dataset.kind === "json" && typeof value !== "string") el.value = JSON.stringify(value);
    else el.value = value;
  }
}

function setBusy(busy) {
  runButton.disabled = busy;
  stopButton.hidden = !busy;
}

function showError(message) {
  formError.textContent = message;
  formError.hidden = !message;
}

form.addEventListener("submit", async (submitted) => {
  submitted.preventDefault();
  showError("");
  let inputs;
  try {
    inputs = readForm();
  } catch (error) {
    return showError(`inputs: ${error.message}`);
  }
  runButton.disabled = true;
  const response = await fetch("/runs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ team: team.name, inputs }),
  }).catch(() => null);
  const body = (await response?.json().catch(() => null)) ?? {};
  if (response?.status !== 201) {
    runButton.disabled = false;
    const status = response ? `the server answered ${response.status}` : "the server is unreachable";
    return showError(body.message ?? status);
  }
  localStorage.setItem(STORED, JSON.stringify(inputs));
  history.pushState(null, "", `?${new URLSearchParams({ team: team.name, run: body.run_id })}`);
  follow(body.run_id);
});

stopButton.addEventListener("click", () => {
  fetch(`/runs/${encodeURIComponent(run.id)}`, { method: "DELETE" }); // the stream ends with RunFailed
});
addEventListener("popstate", () => location.reload());

// -- the result and the supervision tree -----------------------------------------------------

function showResult({ state, output, usage, error, seconds }) {
  setState(state);
  resultCard.dataset.state = state;
  const parts = [h("h2", {}, state === "finished" ? "Result" : `Run ${state}`)];
  if (error) parts.push(h("p", { className: "error" }, `${error.type}: ${error.message}`));
  if (output) {
    const rows = Object.entries(output).flatMap(([name, value]) => [
      h("dt", {}, name),
      h("dd", {}, typeof value === "string" ? value : JSON.stringify(value, null, 2)),
    ]);
    parts.push(h("dl", { className: "outputs" }, ...rows));
  }
  if (usage) {
    const digits = usage.cost >= 0.1 || usage.cost === 0 ? 2 : 4;
    const cost = usage.cost == null ? "unknown" : `$${usage.cost.toFixed(digits)}`;
    const metrics = [
      ["tokens", usage.prompt_tokens + usage.completion_tokens],
      ["calls", usage.calls],
      ["cost", cost],
      ...(seconds == null ? [] : [["time", `${seconds.toFixed(2)} s`]]),
    ];
    const title = `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens`;
    const cells = metrics.map(([name, value]) =>
      h("div", { className: "metric" }, h("b", {}, String(value)), h("span", {}, name)),
    );
    parts.push(h("div", { className: "usage", title }, ...cells));
  }
  resultCard.replaceChildren(...parts);
  resultCard.hidden = false;
}

async function pollTree() {
  const response = await fetch("/api/tree").catch(() => null);
  if (response?.ok) showTree((await response.json()).systems);
}

function showTree(systems) {
  const members = new Set(team.members);
  const holds = (node) => members.has(node.name) || node.children.some(holds);
  const shown = systems.filter(holds);
  const item = (node) => {
    const colour = members.has(node.name) ? timeline.colour(node.name) : "";
    const restarts = `↻ ${node.restarts}`;
    const line = h(
      "span",
      { className: `actor ${colour}` },
      h("span", { className: `alive${node.alive ? "" : " dead"}`, title: node.alive ? "alive" : "stopped" }),
      h("span", { className: "who", title: node.name }, node.name),
      h("span", { className: "kind" }, node.kind),
      h("span", { className: node.restarts ? "badge hot" : "badge", title: "restarts" }, restarts),
    );
    const waiting = h("span", { className: "badge", title: "waiting messages" }, `✉ ${node.mailbox}`);
    if (node.mailbox) line.append(waiting);
    const li = h("li", { "data-actor": node.name }, line);
    if (node.children.length) li.append(list(node.children));
    return li;
  };
  const list = (nodes) => h("ul", { className: "tree" }, ...nodes.map(item));
  const roots = shown.length ? shown : systems;
  treeBox.replaceChildren(roots.length ? list(roots) : "no system is running");
}

// -- start -------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);
fillForm(JSON.parse(localStorage.getItem(STORED) ?? "{}")); // the inputs this team ran with last
fillForm(Object.fromEntries([...params].filter(([name]) => name !== "team" && name !== "run")));
for (const agent of team.members) pane(agent);
timeline.draw();
pollTree();
if (params.get("run")) resume(params.get("run"));
