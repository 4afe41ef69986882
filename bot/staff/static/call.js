// 新来电: send the caller's words to /api/assist and show the answer, the clause and the candidates.
"use strict";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clauseCard(view, heading) {
  const box = el("div", { class: "card clause" });
  const head = el("div", { class: "row" });
  head.appendChild(el("strong", {}, `${heading}${view.label} ${view.title}`));
  const badge = el("span", { class: "badge " + (view.validity.status === "active" ? "valid" : "expired") }, view.validity.label);
  head.appendChild(badge);
  box.appendChild(head);
  box.appendChild(el("p", { class: "hint validity" }, view.validity.text));
  const text = el("div", { class: "clause-text" });
  text.innerHTML = view.text_html; // escaped on the server; only <mark> is added
  box.appendChild(text);
  box.appendChild(el("p", { class: "hint" }, view.citation));
  return box;
}

function showResult(data) {
  document.getElementById("assist-result").hidden = false;
  document.getElementById("assist-answer").textContent = data.answer || "（助手不会给出政策答复）";
  document.getElementById("assist-note").textContent = data.note || `意图：${data.intent}（置信度 ${data.confidence.toFixed(2)}）`;
  const options = document.getElementById("assist-options");
  options.replaceChildren(...(data.options || []).map((o) => el("li", {}, o)));
  const clause = document.getElementById("assist-clause");
  clause.replaceChildren(...(data.clause ? [clauseCard(data.clause, "引用条款：")] : []));
  const candidates = document.getElementById("assist-candidates");
  const cards = (data.candidates || []).map((c) => {
    const card = clauseCard(c.clause, "");
    card.insertBefore(el("p", { class: "hint why" }, "为什么：" + c.why), card.children[1]);
    return card;
  });
  candidates.replaceChildren(...(cards.length ? cards : [el("p", { class: "muted" }, "没有其他相关条款。")]));
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("assist-form");
  if (!form) return;
  const status = document.getElementById("assist-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("assist-text").value;
    status.textContent = "查询中…";
    const started = performance.now();
    try {
      const data = await postJson("/api/assist", { text });
      showResult(data);
      status.textContent = `用时 ${Math.round(performance.now() - started)} 毫秒`;
    } catch (error) {
      status.textContent = error.message;
    }
  });
  document.getElementById("assist-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
});
