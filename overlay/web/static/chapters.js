// The trim step's chapter marks, checked where they are made, by the report's rules (each
// chapter at least N s long, the topics in the letter's order, the first at 0:00 or N s in,
// the last N s before the end of the part kept). Messages name the topic by its title; their
// words come from the page (data attributes of #chapters, in the page's language).

const stamp = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

function say(box, name, values) {
  let text = box.dataset[name] || "";
  for (const [k, v] of Object.entries(values)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

const title = (key) => {
  const row = document.querySelector(`[data-chapter="${key}"]`);
  const shown = row && row.parentElement.querySelector(".chapter-title");
  return `“${shown ? shown.textContent.trim() : key}”`;
};

// Why a mark of topic ``key`` at ``seconds`` of the output cannot be kept (null: it can).
// ``marks``: the other topics' marks (output seconds, null when outside the part kept);
// ``length``: the output's length.
export function refusal(key, seconds, marks, length) {
  const box = document.getElementById("chapters");
  const n = Number(box.dataset.min || 10);
  const keys = Array.from(document.querySelectorAll("[data-chapter]"), (b) => b.dataset.chapter);
  const me = keys.indexOf(key);
  const values = { title: title(key), n, time: stamp(Math.max(0, seconds)), end: stamp(Math.floor(length)) };
  if (seconds < 0) return say(box, "beforeStart", values);
  if (seconds > length - n) return say(box, "nearEnd", values);
  for (const [other, at] of Object.entries(marks)) {
    if (other === key || at === null || at === undefined) continue;
    const before = keys.indexOf(other) < me;
    const gap = before ? seconds - at : at - seconds;
    if (gap < n) return say(box, before ? "tooSoon" : "tooLate", { ...values, other: title(other), time: stamp(at) });
  }
  if (seconds > 0 && seconds < n) return say(box, "first", values);
  return null;
}

// Shows (or clears) the reason under the chapter buttons.
export function showRefusal(text) {
  const box = document.getElementById("chapter-problem");
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}
