// The receipt in plain words: the lines the officer cares about ("Picture and sound ready to
// upload to YouTube", "Length 4 min 58 s", "All 7 logos top-right"), and under them a closed
// "Details" fold with the technical lines (codec, pixel format, colour tags, exact seconds).
// Every text is set with textContent. An ES module: app.js imports it and calls showReceipt.

const CLASS = (line) => (line.warning ? "warn" : line.ok === true ? "ok" : line.ok === false ? "bad" : "info");

function node(tag, attrs, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// The technical line as it always was: name, what was found, what to do.
function technical(item) {
  const li = node("li", { class: CLASS(item) });
  li.append(node("span", { class: "item" }, item.name), node("span", { class: "detail" }, item.detail));
  if (item.hint && item.ok !== true) li.append(node("span", { class: "hint" }, item.hint));
  return li;
}

// Thai laid out as the server cut it (the project's one breaker): each word kept whole.
function flowing(cls, text, words) {
  const span = node("span", { class: cls });
  if (!words || !words.length) { span.textContent = text; return span; }
  words.forEach((word, i) => {
    if (i) span.append(document.createElement("wbr"));
    span.append(node("span", { class: "tw" }, word));
  });
  return span;
}

function plain(line) {
  const li = node("li", { class: `plain ${CLASS(line)}`, "data-testid": "receipt-line", "data-key": line.key });
  li.append(flowing("item", line.text, line.words));
  if (line.hint && line.ok !== true) li.append(flowing("hint", line.hint, line.hint_words));
  return li;
}

export function showReceipt(box, job) {
  const details = job.receipt || [];
  const lines = job.receipt_plain;
  if (!lines || !lines.length) { box.replaceChildren(...details.map(technical)); return; }
  const fold = node("details", { "data-testid": "receipt-details" });
  fold.append(node("summary", {}, box.dataset.details || "Details"), node("ul", { class: "receipt-technical" }));
  fold.lastChild.replaceChildren(...details.map(technical));
  const holder = node("li", { class: "details" });
  holder.append(fold);
  box.replaceChildren(...lines.map(plain), holder);
}
