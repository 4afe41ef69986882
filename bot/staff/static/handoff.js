// 转人工 conversation: poll the masked transcript so the agent sees the user's new messages.
"use strict";

const WHO = { user: "用户", bot: "助手", agent: "坐席" };

async function refreshTranscript(box) {
  const response = await fetch(`/api/handoff/${encodeURIComponent(box.dataset.reference)}/transcript`, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  if (!data.lines) return;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 10;
  box.replaceChildren(...data.lines.map((line) => {
    const div = document.createElement("div");
    div.className = "msg " + line.who;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = WHO[line.who] || line.who;
    div.appendChild(who);
    div.appendChild(document.createTextNode(line.text));
    return div;
  }));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("transcript");
  if (!box) return;
  box.scrollTop = box.scrollHeight;
  setInterval(() => refreshTranscript(box).catch(() => {}), 3000);
});
