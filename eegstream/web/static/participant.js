// The participant's view: one large, calm ring, no words. Its arc is the
// probability of the top class (or of ?class=NAME), in that class's colour.
"use strict";

const target = new URLSearchParams(location.search).get("class");
const ring = document.getElementById("ring");
const arc = document.getElementById("arc");
const LENGTH = 2 * Math.PI * 40;  // the circle's r in participant.html
let classes = [], colours = {};

function onMessage(msg) {
  if (msg.type !== "session") return;
  if (msg.state !== "live" || !msg.shown) {
    arc.style.strokeDashoffset = LENGTH;
    ring.dataset.class = "";
    return;
  }
  if (msg.colours) { colours = msg.colours; classes = msg.meta.classes; }
  let k = classes.indexOf(target);
  if (k < 0) msg.shown.forEach((v, i) => { if (k < 0 || v > msg.shown[k]) k = i; });
  arc.style.stroke = colours[classes[k]];
  arc.style.strokeDashoffset = LENGTH * (1 - msg.shown[k]);
  ring.dataset.class = classes[k];
}

eegConnect(eegSessionId(), onMessage, () => {});
