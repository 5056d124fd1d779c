// A run's timeline as SVG: a lane per agent, a bar per turn (AgentStarted to AgentFinished),
// its tokens as ticks, rounds as dashed lines, votes and tool calls as marks. Events carry
// `time`, seconds since the run started. Shared by the live page and the standalone timeline.
"use strict";

class KaizenTimeline {
  static PALETTE = 8; // agent colours in page.css: .c0 to .c7
  static LANE = 30; // a lane's height
  static TOP = 22; // room for the round labels
  static BOTTOM = 22; // room for the time axis
  static LEFT = 104; // room for the agents' names

  /** Draws into `svg`; `agents` get their lanes (and colours) first, in this order. */
  constructor(svg, agents = []) {
    this.svg = svg;
    this.width = 0;
    this.reset(agents);
    new ResizeObserver(() => {
      if (this.svg.clientWidth !== this.width) this.draw();
    }).observe(svg);
  }

  reset(agents = []) {
    this.lanes = new Map(); // agent -> {index, open: its turn going on, ticks: its tokens' times}
    this.turns = [];
    this.rounds = [];
    this.marks = []; // votes and tool calls
    this.end = null;
    this.now = 0;
    agents.forEach((agent) => this.lane(agent));
  }

  lane(agent) {
    if (!this.lanes.has(agent)) this.lanes.set(agent, { index: this.lanes.size, open: null, ticks: [] });
    return this.lanes.get(agent);
  }

  /** The CSS class of an agent's colour (the page's panes use it too). */
  colour(agent) {
    return `c${this.lane(agent).index % KaizenTimeline.PALETTE}`;
  }

  add(event) {
    const time = event.time ?? this.now;
    this.now = Math.max(this.now, time);
    const lane = event.agent == null ? null : this.lane(event.agent);
    switch (event.$type) {
      case "RoundStarted":
        this.rounds.push({ round: event.round, time });
        break;
      case "AgentStarted":
        lane.open = { agent: event.agent, round: event.round, start: time, end: null, tokens: 0 };
        this.turns.push(lane.open);
        break;
      case "Token":
        lane.ticks.push(time);
        if (lane.open) lane.open.tokens += 1;
        break;
      case "AgentFinished":
        if (lane.open) lane.open.end = time;
        lane.open = null;
        break;
      case "Vote":
        this.marks.push({ kind: "vote", agent: event.agent, time, label: event.choice });
        break;
      case "ToolCalled":
        this.marks.push({ kind: "tool", agent: event.agent, time, label: event.tool });
        break;
      case "RunFinished":
      case "RunFailed":
        this.end = { time, failed: event.$type === "RunFailed" };
        break;
    }
  }

  draw() {
    const { LANE, TOP, BOTTOM, LEFT } = KaizenTimeline;
    const esc = KaizenTimeline.esc;
    const width = (this.width = Math.max(360, this.svg.clientWidth));
    const height = TOP + this.lanes.size * LANE + BOTTOM;
    const bottom = height - BOTTOM;
    const [span, step] = KaizenTimeline.scale(this.now);
    const x = (t) => +(LEFT + (t / span) * (width - LEFT - 16)).toFixed(1);
    const top = (agent) => TOP + this.lanes.get(agent).index * LANE;
    const out = [];

    for (const [agent, lane] of this.lanes) {
      const y = top(agent);
      out.push(`<g class="${this.colour(agent)}" data-lane="${esc(agent)}">`);
      const stripe = `<rect class="lane-bg" y="${y}" width="${width}" height="${LANE}"/>`;
      if (lane.index % 2 === 0) out.push(stripe);
      out.push(`<text class="lane-name" x="10" y="${y + LANE / 2 + 4}">${esc(agent)}</text></g>`);
    }
    for (let i = 0; this.now > 0 && i * step <= span + 1e-9; i++) {
      const t = x(i * step);
      out.push(`<line class="grid" x1="${t}" x2="${t}" y1="${TOP}" y2="${bottom}"/>`);
      const label = KaizenTimeline.seconds(i * step, step);
      out.push(`<text x="${t}" y="${height - 6}" text-anchor="middle">${label}</text>`);
    }
    for (const { round, time } of this.rounds) {
      out.push(`<line class="round-line" x1="${x(time)}" x2="${x(time)}" y1="${TOP - 6}" y2="${bottom}"/>`);
      out.push(`<text class="round-label" x="${x(time) + 4}" y="${TOP - 8}">round ${round}</text>`);
    }
    for (const turn of this.turns) {
      const end = turn.end ?? this.now;
      const when = `${turn.start.toFixed(2)} s to ${end.toFixed(2)} s`;
      const title = `${turn.agent}, round ${turn.round}: ${when}, ${turn.tokens} tokens`;
      out.push(
        `<rect class="turn ${this.colour(turn.agent)}${turn.end === null ? " open" : ""}" rx="4"` +
          ` x="${x(turn.start)}" y="${top(turn.agent) + 5}" width="${Math.max(3, x(end) - x(turn.start))}"` +
          ` height="${LANE - 10}"><title>${esc(title)}</title></rect>`,
      );
    }
    for (const [agent, lane] of this.lanes) {
      const y = top(agent);
      const pixels = new Set(lane.ticks.map((t) => Math.round(x(t)))); // one tick per pixel
      const d = [...pixels].map((px) => `M${px} ${y + 9}V${y + LANE - 9}`).join("");
      if (d) out.push(`<path class="tick ${this.colour(agent)}" d="${d}"/>`);
    }
    const labelled = new Map(); // agent -> where its last vote label ends (labels do not overlap)
    for (const mark of this.marks) {
      const [cx, cy] = [x(mark.time), top(mark.agent) + LANE / 2];
      const title = `<title>${esc(`${mark.agent} ${mark.kind}: ${mark.label}`)}</title>`;
      if (mark.kind === "tool") {
        out.push(`<path class="tool" d="M${cx} ${cy - 5}l5 5l-5 5l-5 -5z">${title}</path>`);
        continue;
      }
      const colour = this.colour(mark.agent);
      out.push(`<circle class="vote ${colour}" cx="${cx}" cy="${cy}" r="5">${title}</circle>`);
      if (cx > (labelled.get(mark.agent) ?? 0)) {
        out.push(`<text class="vote-label" x="${cx + 8}" y="${cy + 4}">${esc(mark.label)}</text>`);
        labelled.set(mark.agent, cx + 14 + 7 * String(mark.label).length);
      }
    }
    if (this.end) {
      const ex = x(this.end.time);
      const kind = this.end.failed ? "end failed" : "end";
      out.push(`<line class="${kind}" x1="${ex}" x2="${ex}" y1="${TOP - 6}" y2="${bottom}"/>`);
    }
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.svg.setAttribute("height", height);
    this.svg.innerHTML = out.join("");
  }

  /** The axis's end and tick step for a run `until` seconds long: a round step, at most 10 ticks. */
  static scale(until) {
    const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
    const step = steps.find((s) => until / s <= 10) ?? Math.ceil(until / 10 / 3600) * 3600;
    return [Math.max(step, Math.ceil(until / step - 1e-9) * step), step];
  }

  static seconds(t, step) {
    return `${t.toFixed(step < 0.1 ? 2 : step < 1 ? 1 : 0)} s`;
  }

  static esc(text) {
    const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
    return String(text).replace(/[&<>"]/g, (c) => entities[c]);
  }
}
