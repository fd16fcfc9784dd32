// eegstream live view: the WebSocket every page shares (no libraries, no CDN).
"use strict";

// Opens /ws (for one session, or the session list when `session` is null),
// reconnects after a drop, and says "ping" every 20 s so the server keeps it.
function eegConnect(session, onMessage, onStatus) {
  const params = new URLSearchParams();
  if (session !== null) params.set("session", session);
  const token = new URLSearchParams(location.search).get("token");
  if (token) params.set("token", token);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}/ws?${params}`;
  let delay = 500;
  let pinger = null;
  function open() {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      onStatus("connected");
      pinger = setInterval(() => ws.send('{"type": "ping"}'), 20000);
    };
    ws.onmessage = (event) => onMessage(JSON.parse(event.data));
    ws.onclose = () => {
      clearInterval(pinger);
      onStatus("disconnected: reconnecting");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  open();
}

// The token of this page's address, for links to the other pages.
function eegQuery() {
  const token = new URLSearchParams(location.search).get("token");
  return token ? `?token=${encodeURIComponent(token)}` : "";
}

function eegSessionId() {
  return decodeURIComponent(location.pathname.split("/")[2] || "");
}

function eegEl(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
