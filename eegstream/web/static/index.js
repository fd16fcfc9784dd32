// The index page: every session on the network, updated as they come and go.
"use strict";

const list = document.getElementById("sessions");
const waiting = document.getElementById("waiting");
const status = document.getElementById("status");

function render(sessions) {
  list.replaceChildren();
  waiting.hidden = sessions.length > 0;
  for (const s of sessions) {
    const item = eegEl("li", "session");
    item.dataset.session = s.id;
    const link = eegEl("a", "name", s.id);
    link.href = `/s/${encodeURIComponent(s.id)}${eegQuery()}`;
    item.append(link);
    if (s.synthetic) item.append(eegEl("span", "badge synthetic", "SYNTHETIC"));
    const who = [s.wearer && `wearer ${s.wearer}`, s.model && `model ${s.model}`,
      `on ${s.host}`, `${s.steps} steps`].filter(Boolean).join(" · ");
    item.append(eegEl("span", "muted", who));
    const participant = eegEl("a", "small", "participant view");
    participant.href = `/s/${encodeURIComponent(s.id)}/participant${eegQuery()}`;
    item.append(participant);
    list.append(item);
  }
}

eegConnect(null, (msg) => { if (msg.type === "sessions") render(msg.sessions); },
  (text) => { status.textContent = text; });
