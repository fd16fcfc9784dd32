// One session: gauge, probability history with the truth, band power,
// per-channel signal state, latency. Drawn by hand (DOM and one canvas).
"use strict";

const HISTORY = 300;  // steps drawn (5 min at 1 s a step)
const id = eegSessionId();
const $ = (name) => document.getElementById(name);
let meta = null;
let colours = {};
let bandColours = [];
let steps = [];
let truth = [];  // [LSL time, label or null], oldest first

function labelAt(t) {
  let label = null;
  for (const [start, name] of truth) { if (start <= t) label = name; else break; }
  return label;
}
let bandRange = null;
// Read by the browser test: when each step reached the page (ms since epoch).
window.eegstream = { updates: [] };

document.title = `${id} · eegstream live`;
$("name").textContent = id;
$("index").href = `/${eegQuery()}`;
$("participant").href = `/s/${encodeURIComponent(id)}/participant${eegQuery()}`;

function setup(m) {
  meta = m;
  steps = [];
  bandRange = null;
  $("synthetic").hidden = !m.synthetic;
  $("who").textContent = [m.wearer && `wearer ${m.wearer}`, m.model && `model ${m.model}`,
    `on ${m.host}`].filter(Boolean).join(" · ");
  const bars = $("gauge-bars");
  bars.replaceChildren();
  for (const name of m.classes) {
    const row = eegEl("div", "bar-row");
    row.append(eegEl("span", "bar-name", name));
    const track = eegEl("span", "bar-track");
    const fill = eegEl("span", "bar-fill");
    fill.style.background = colours[name];
    track.append(fill);
    row.append(track, eegEl("span", "bar-value", "–"));
    bars.append(row);
  }
  const legend = $("legend");
  legend.replaceChildren();
  for (const name of m.classes) {
    const key = eegEl("span", "key", name);
    key.style.borderColor = colours[name];
    legend.append(key);
  }
}

function drawGauge(shown) {
  if (!shown) return;
  let top = 0;
  shown.forEach((v, k) => { if (v > shown[top]) top = k; });
  const name = meta.classes[top];
  const gauge = $("gauge-class");
  gauge.textContent = name;
  gauge.dataset.class = name;
  gauge.style.color = colours[name];
  const rows = $("gauge-bars").children;
  shown.forEach((v, k) => {
    rows[k].children[1].firstChild.style.width = `${(100 * v).toFixed(1)}%`;
    rows[k].children[2].textContent = `${Math.round(100 * v)} %`;
    rows[k].classList.toggle("top", k === top);
  });
}

function drawHistory() {
  const canvas = $("history");
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * ratio;
  canvas.height = h * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, w, h);
  const strip = 14, plotH = h - strip - 4;
  const dx = w / (HISTORY - 1);
  const x0 = w - (steps.length - 1) * dx;
  ctx.strokeStyle = "rgba(216,220,227,0.12)";
  for (const level of [0.25, 0.5, 0.75]) {
    ctx.beginPath();
    ctx.moveTo(0, plotH * (1 - level));
    ctx.lineTo(w, plotH * (1 - level));
    ctx.stroke();
  }
  // The truth under the plot: one block per step in its label's colour.
  steps.forEach((s, i) => {
    const label = labelAt(s.t);
    if (label === null) return;
    ctx.fillStyle = colours[label] || "#5c6370";
    ctx.fillRect(x0 + (i - 0.5) * dx, h - strip, dx + 0.5, strip);
  });
  ctx.lineWidth = 1.5;
  meta.classes.forEach((name, k) => {
    ctx.strokeStyle = colours[name];
    ctx.beginPath();
    steps.forEach((s, i) => {
      const x = x0 + i * dx, y = plotH * (1 - s.p[k]);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
  const last = steps[steps.length - 1];
  const label = last ? labelAt(last.t) : null;
  $("truth").textContent = label !== null ? `true label: ${label}` : "";
  $("truth").dataset.label = label || "";
}

function drawBands(values) {
  if (!values || !meta.bands.length) return;
  const lo = Math.min(...values), hi = Math.max(...values);
  bandRange = bandRange ? [Math.min(bandRange[0], lo), Math.max(bandRange[1], hi)] : [lo, hi];
  const span = bandRange[1] - bandRange[0] || 1;
  const box = $("bands");
  if (box.children.length !== values.length) {
    box.replaceChildren(...meta.bands.map((name, k) => {
      const col = eegEl("div", "band");
      const fill = eegEl("div", "band-fill");
      fill.style.background = bandColours[k % bandColours.length];
      col.append(eegEl("div", "band-value"), fill, eegEl("div", "band-name", name));
      return col;
    }));
  }
  values.forEach((v, k) => {
    const col = box.children[k];
    col.children[0].textContent = v.toFixed(2);
    col.children[1].style.height = `${8 + 92 * (v - bandRange[0]) / span}%`;
  });
}

function drawQuality(q) {
  if (!q || q.channels.length !== meta.channels.length) return;
  const box = $("channels");
  if (box.children.length !== meta.channels.length) {
    box.replaceChildren(...meta.channels.map((name) => eegEl("span", "chan", name)));
  }
  q.channels.forEach((state, k) => { box.children[k].className = `chan ${state}`; });
  const flags = Object.entries(q.flags).filter(([, on]) => on).map(([kind]) => kind);
  $("flags").textContent = (q.reliable ? "reliable" : "NOT reliable") +
    (flags.length ? ` · artifacts: ${flags.join(", ")}` : " · no artifacts");
  $("flags").classList.toggle("warn", !q.reliable || flags.length > 0);
}

function drawLatency() {
  const recent = steps.slice(-60).map((s) => s.latency_ms).sort((a, b) => a - b);
  if (!recent.length) return;
  const median = recent[Math.floor(recent.length / 2)];
  $("latency").textContent = `${steps[steps.length - 1].latency_ms.toFixed(0)} ms ` +
    `(median ${median.toFixed(0)} ms over ${recent.length} steps): ` +
    "window end to this server";
}

function onMessage(msg) {
  if (msg.type !== "session") return;
  const live = msg.state === "live";
  $("waiting").hidden = live;
  $("live").hidden = !live;
  if (!live) return;
  if (msg.colours) {
    colours = msg.colours;
    bandColours = msg.band_colours;
    setup(msg.meta);
  }
  meta = msg.meta;  // outlets found later add bands and channels
  steps = steps.concat(msg.steps).slice(-HISTORY);
  truth = msg.truth;
  drawGauge(msg.shown);
  drawBands(msg.bands);
  drawQuality(msg.quality);
  drawLatency();
  drawHistory();
  const wall = performance.timeOrigin + performance.now();
  for (const s of msg.steps) window.eegstream.updates.push({ t: s.t, wall: wall });
  window.eegstream.updates.splice(0, window.eegstream.updates.length - 2000);
}

eegConnect(id, onMessage, (text) => { $("status").textContent = text; });
window.addEventListener("resize", () => { if (meta && steps.length) drawHistory(); });
