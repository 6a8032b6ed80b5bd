// The subtitle editor of step 4 (issue 23): type Thai and English subtitles against the clip.
//
// An ES module, no build step, no inline script (CSP script-src 'self'). Every text the user
// typed is set with textContent, never innerHTML.
//
// How it fits the page:
// - The player is the page's own <video id="player"> (step 2); "add a line here" and
//   "end here" read its currentTime, which is in the ORIGINAL clip's time line, the same time
//   line as an uploaded SRT (the render cuts the part kept itself).
// - Each line's Thai (or English) breaks and the two-line limit come from the server:
//   POST /api/subs/layout (overlay/web/routes_subs.py), the engine of `overlay subs check`.
//   Requests are debounced while typing and cached per text.
// - When the lines change, the finished ones (start, end and text) are written as a UTF-8 SRT
//   and uploaded through POST /api/uploads?kind=subs, exactly like a chosen .srt file; then
//   "overlay:subs-file" {lang, upload} is fired (upload null when no line is finished) and
//   app.js uses that upload as the subtitle file: the render path is unchanged.
// - app.js fires "overlay:subs-uploaded" {lang, upload} when a .srt file was chosen: its cues
//   (GET /api/subs/{id}/cues, read by the render's own reader) open here.
//
// For other parts of the page (e.g. saving a draft), the editor's API:
//   document.addEventListener("overlay:cues", (e) => e.detail)
//       fired after every change; detail = {lang, cues, all: {th: [...], en: [...]}}; a cue is
//       {start, end, text}, start/end in seconds of the original clip or null (not timed yet).
//   window.overlayEditor.loadCues(lang, cues, {upload})  replace the cues of a language (the
//       upload, if given, is the already-uploaded SRT of exactly these cues: not sent again).
//   window.overlayEditor.getCues(lang)   a copy of the cues (all languages without lang).
//   window.overlayEditor.srt(lang)       the SRT text the render gets.
//   window.overlayEditor.flush()         a promise: resolves when the latest cues are uploaded
//       (app.js awaits it before starting a render).

const LANGS = ["th", "en"];
const MIN_SECONDS = 0.8;        // shorter is hard to read at all
const SAVE_DELAY = 600;         // ms after the last change before the SRT is uploaded
const LAYOUT_DELAY = 150;       // ms after the last keystroke before the line is laid out again

const byId = (id) => document.getElementById(id);
const root = byId("subs-editor");

function readTexts() {
  try { return JSON.parse((byId("subs-editor-texts") || {}).textContent || "{}"); } catch (e) { return {}; }
}
const TEXTS = readTexts();
function t(key, values) {
  let text = TEXTS[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
  return text;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const round3 = (x) => Math.round(x * 1000) / 1000;

// 75.25 → "1:15.3"; null → ""
export function clock(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return "";
  const total = Math.round(seconds * 10) / 10;
  const m = Math.floor(total / 60);
  return `${m}:${(total - m * 60).toFixed(1).padStart(4, "0")}`;
}

// "12.5", "1:05.2", "0:01:05,2" → seconds; "" → null; anything else → NaN
export function parseTime(text) {
  const raw = String(text === null || text === undefined ? "" : text).trim().replace(",", ".");
  if (raw === "") return null;
  let total = 0;
  for (const part of raw.split(":")) {
    const value = Number(part);
    if (part.trim() === "" || isNaN(value) || value < 0) return NaN;
    total = total * 60 + value;
  }
  return total;
}

function srtTime(seconds) {
  let ms = Math.round(Math.max(0, seconds) * 1000);
  const h = Math.floor(ms / 3600000); ms -= h * 3600000;
  const m = Math.floor(ms / 60000); ms -= m * 60000;
  const s = Math.floor(ms / 1000); ms -= s * 1000;
  const two = (n) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)},${String(ms).padStart(3, "0")}`;
}

// A cue's text as one SRT block body: no empty lines (they would end the block), no spaces at
// the ends of lines.
function srtBody(text) {
  return String(text || "").replace(/\r\n?/g, "\n").split("\n").map((l) => l.trim())
    .filter((l) => l !== "").join("\n");
}

const finished = (c) => c.start !== null && c.end !== null && c.end > c.start && srtBody(c.text) !== "";

export function toSrt(cues) {
  return ordered(cues).filter(finished)
    .map((c, k) => `${k + 1}\n${srtTime(c.start)} --> ${srtTime(c.end)}\n${srtBody(c.text)}\n`)
    .join("\n");
}

// Timed cues by start, then the untimed in the order they were made (a pasted script).
function ordered(cues) {
  return cues.map((c, k) => [c, k]).sort(([a, i], [b, j]) => {
    const x = a.start === null ? Infinity : a.start;
    const y = b.start === null ? Infinity : b.start;
    return x - y || i - j;
  }).map(([c]) => c);
}

// One paragraph per cue: paragraphs are separated by empty lines; a script without any empty
// line has one paragraph per line.
export function scriptParagraphs(text) {
  const clean = String(text || "").replace(/\r\n?/g, "\n").trim();
  if (!clean) return [];
  const parts = /\n\s*\n/.test(clean) ? clean.split(/\n\s*\n/) : clean.split("\n");
  return parts.map(srtBody).filter((p) => p !== "");
}

// ---------------------------------------------------------------------------- state

let nextId = 1;
const state = {
  lang: "th",
  cues: { th: [], en: [] },          // {id, start, end, text}
  current: { th: null, en: null },   // id of the cue being edited
  sent: { th: "", en: "" },          // the SRT text last uploaded (or opened) per language
  clip: null,                        // the clip id the player plays (for its frame size)
};
const layouts = new Map();           // "lang|clip|text" → the server's layout of that text
const pendingLayout = new Map();     // same key → promise
let layoutTimer = null;
const saveTimers = {};
const saving = {};                   // lang → promise of the upload in flight

const newCue = (start, end, text) => ({ id: nextId++, start, end, text: text || "" });
const cues = () => state.cues[state.lang];
const currentCue = () => cues().find((c) => c.id === state.current[state.lang]) || null;

function player() { return byId("player"); }
function now() {
  const video = player();
  return video && !isNaN(video.currentTime) ? round3(video.currentTime) : 0;
}

// ---------------------------------------------------------------------------- layout (server)

const layoutKey = (lang, text) => `${lang}|${state.clip || ""}|${text}`;
const lastShapes = new Map();        // "lang|cue id" → its last layout, shown until the new one comes

// The layout of a cue's text; while the text just typed is being laid out, the one before
// (so the preview and the flags do not flicker at every key).
function shapeOf(lang, cue) {
  if (!srtBody(cue.text)) return null;
  const fresh = layouts.get(layoutKey(lang, cue.text));
  if (fresh) { lastShapes.set(`${lang}|${cue.id}`, fresh); return fresh; }
  return lastShapes.get(`${lang}|${cue.id}`) || null;
}

async function postJson(url, body) {
  const response = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error((data && data.error) || response.statusText);
  return data;
}

// Lay out the texts not laid out yet (one request for all of them), then draw again.
async function layOut(lang, texts) {
  const wanted = [...new Set(texts.filter((x) => srtBody(x) !== ""))]
    .filter((x) => !layouts.has(layoutKey(lang, x)) && !pendingLayout.has(layoutKey(lang, x)));
  if (!wanted.length) return;
  const body = { lang, texts: wanted };
  if (state.clip) body.clip = state.clip;
  const request = postJson("/api/subs/layout", body);
  for (const x of wanted) pendingLayout.set(layoutKey(lang, x), request);
  try {
    const data = await request;
    wanted.forEach((x, k) => layouts.set(layoutKey(lang, x), { ...data.cues[k], limit: data.reading_speed }));
  } catch (err) {
    showError(err.message);
  } finally {
    for (const x of wanted) pendingLayout.delete(layoutKey(lang, x));
  }
  draw();
}

function layoutSoon() {
  clearTimeout(layoutTimer);
  layoutTimer = setTimeout(() => layOut(state.lang, cues().map((c) => c.text)), LAYOUT_DELAY);
}

function showError(message) {
  if (window.overlay && window.overlay.showError) window.overlay.showError(message);
}

// ---------------------------------------------------------------------------- checks

// Plain-words problems of each cue: {id → [[flag, sentence], …]}.
function problems(lang) {
  const list = ordered(state.cues[lang]);
  const out = new Map(list.map((c) => [c.id, []]));
  let latest = null;                 // the timed line above that ends last
  for (const c of list) {
    const mine = out.get(c.id);
    const body = srtBody(c.text);
    if (c.start === null) mine.push(["untimed", t("untimed")]);
    else if (c.end === null) mine.push(["no_end", t("no_end")]);
    else if (c.end <= c.start) mine.push(["backwards", t("backwards")]);
    else {
      const length = c.end - c.start;
      if (length < MIN_SECONDS - 0.0005) mine.push(["short", t("short", { t: length.toFixed(1), min: MIN_SECONDS })]);
      const speed = shapeOf(lang, c);
      if (speed && speed.visible / Math.max(length, 0.001) > speed.limit) {
        mine.push(["fast", t("fast", { cps: Math.round(speed.visible / length), limit: speed.limit })]);
      }
    }
    if (latest && c.start !== null && c.start < latest.end - 0.005) {
      mine.push(["overlap", t("overlap", { t: (latest.end - c.start).toFixed(1) })]);
    }
    if (!body) mine.push(["no_text", t("no_text")]);
    const shape = shapeOf(lang, c);
    if (shape) {
      if (shape.too_long) mine.push(["too_long", t("too_long", { n: shape.parts })]);
      if (shape.fallbacks) mine.push(["fallback", t("fallback")]);
      if (shape.missing) mine.push(["missing", t("missing", { chars: shape.missing })]);
    }
    if (c.start !== null && c.end !== null && c.end > c.start && (!latest || c.end > latest.end)) latest = c;
  }
  return out;
}

// ---------------------------------------------------------------------------- drawing

function flagList(items, testid) {
  const list = el("ul", { class: "cue-flags", "data-testid": testid });
  for (const [flag, sentence] of items) list.append(el("li", { "data-flag": flag }, sentence));
  return list;
}

function burnBox(node, shape) {
  node.replaceChildren();
  if (!shape || !shape.pieces.length) { node.hidden = true; return; }
  shape.pieces.forEach((lines, k) => {
    if (k) node.append(el("div", { class: "then" }, t("then")));
    const piece = el("div", { class: "piece" });
    for (const line of lines) piece.append(el("div", { class: "line" }, line));
    node.append(piece);
  });
  node.hidden = false;
}

function timeInput(cue, which) {
  const input = el("input", { type: "text", inputmode: "decimal", class: "time", "data-testid": `cue-${which}`,
    "aria-label": t(which) });
  input.value = clock(cue[which]);
  input.addEventListener("change", () => {
    const value = parseTime(input.value);
    if (value !== null && isNaN(value)) { input.classList.add("bad"); input.title = t("bad_time"); return; }
    cue[which] = value === null ? null : round3(value);
    changed();
  });
  return input;
}

function draw() {
  if (!root) return;
  const list = byId("cue-list");
  const flags = problems(state.lang);
  const current = currentCue();
  const rows = ordered(cues()).map((cue, k) => {
    const row = el("li", { class: "cue-row", "data-testid": "cue-row", "data-id": String(cue.id) });
    if (current && cue.id === current.id) row.classList.add("current");
    const mine = flags.get(cue.id) || [];
    if (mine.length) row.classList.add("flagged");
    const times = el("div", { class: "cue-times" });
    times.append(el("span", { class: "cue-num" }, String(k + 1)), timeInput(cue, "start"), " – ", timeInput(cue, "end"));
    const earlier = el("button", { type: "button", class: "small", "data-testid": "cue-earlier", title: t("earlier") }, "−0.1 s");
    const later = el("button", { type: "button", class: "small", "data-testid": "cue-later", title: t("later") }, "+0.1 s");
    earlier.addEventListener("click", () => move(cue, -0.1));
    later.addEventListener("click", () => move(cue, 0.1));
    const del = el("button", { type: "button", class: "small", "data-testid": "cue-delete" }, t("delete"));
    del.addEventListener("click", () => remove(cue));
    times.append(earlier, later, del);
    const text = el("button", { type: "button", class: "cue-body", "data-testid": "cue-row-text", title: t("edit") },
      srtBody(cue.text) || "…");
    text.addEventListener("click", () => select(cue, true));
    const shape = shapeOf(state.lang, cue);
    const lines = el("div", { class: "cue-lines", "data-testid": "cue-lines" }, shape ? shape.shown : "");
    lines.hidden = !shape || shape.lines.length < 2;      // one line: as typed
    row.append(times, text, lines, flagList(mine, "cue-flags"));
    return row;
  });
  list.replaceChildren(...rows);
  byId("cue-empty").hidden = rows.length > 0;
  const field = byId("cue-text");
  field.disabled = !current;
  if (current && document.activeElement !== field && field.value !== current.text) field.value = current.text;
  if (!current) field.value = "";
  burnBox(byId("cue-burn"), current && shapeOf(state.lang, current));
  byId("cue-current-flags").replaceChildren(...(current ? flags.get(current.id) || [] : [])
    .map(([flag, sentence]) => el("li", { "data-flag": flag }, sentence)));
}

// ---------------------------------------------------------------------------- changes

function changed(options) {
  draw();
  layoutSoon();
  const lang = state.lang;
  const detail = { lang, cues: getCues(lang), all: getCues() };
  document.dispatchEvent(new CustomEvent("overlay:cues", { detail }));
  if (!(options && options.noSave)) saveSoon(lang);
}

function select(cue, focus) {
  state.current[state.lang] = cue ? cue.id : null;
  draw();
  if (cue && cue.start !== null) {
    const video = player();
    if (video && video.readyState > 0 && focus) video.currentTime = cue.start;
  }
  if (cue && focus) byId("cue-text").focus();
}

function move(cue, delta) {
  if (cue.start !== null) cue.start = round3(Math.max(0, cue.start + delta));
  if (cue.end !== null) cue.end = round3(Math.max(0.001, cue.end + delta));
  changed();
}

function remove(cue) {
  const list = cues();
  const at = list.indexOf(cue);
  if (at >= 0) list.splice(at, 1);
  if (state.current[state.lang] === cue.id) state.current[state.lang] = null;
  changed();
}

// "Add a line here": a new line from the player's time (the line being edited, if it has no
// end yet, ends there); or, when the line being edited has no start yet (a pasted script),
// its start.
function addHere() {
  const current = currentCue();
  const at = now();
  if (current && current.start === null) {
    current.start = at;
    if (current.end !== null && current.end <= at) current.end = null;
  } else {
    if (current && current.end === null && at > current.start) current.end = at;
    const cue = newCue(at, null, "");
    cues().push(cue);
    state.current[state.lang] = cue.id;
  }
  changed();
  const field = byId("cue-text");
  field.disabled = false;
  field.focus();
}

// "End here": the line being edited ends at the player's time. In a pasted script the next
// untimed line becomes the one being edited, starting where this one ended.
function endHere() {
  let current = currentCue();
  if (!current) current = ordered(cues()).find((c) => c.start !== null && c.end === null) ||
    ordered(cues()).find((c) => c.start === null) || null;
  if (!current) return;
  const at = now();
  if (current.start === null) {
    const before = ordered(cues()).filter((c) => c !== current && c.end !== null && c.end <= at);
    current.start = before.length ? Math.max(...before.map((c) => c.end)) : 0;
  }
  current.end = at;
  const next = ordered(cues()).find((c) => c.start === null && c !== current);
  if (next) { next.start = at; state.current[state.lang] = next.id; }
  else state.current[state.lang] = current.id;
  changed();
}

function pasteScript() {
  const area = byId("script-text");
  const paragraphs = scriptParagraphs(area.value);
  if (!paragraphs.length) return;
  const made = paragraphs.map((p) => newCue(null, null, p));
  cues().push(...made);
  if (!currentCue() || currentCue().end !== null) state.current[state.lang] = made[0].id;
  area.value = "";
  status(t("script_made", { n: made.length }));
  layOut(state.lang, paragraphs);
  changed();
}

function togglePlay() {
  const video = player();
  if (!video || !video.currentSrc) return;
  if (video.paused) video.play().catch(() => {}); else video.pause();
}

function status(text, stateName) {
  const box = byId("subs-editor-status");
  box.textContent = text || "";
  box.dataset.state = stateName || "";
}

// ---------------------------------------------------------------------------- saving

function saveSoon(lang) {
  clearTimeout(saveTimers[lang]);
  status(t("saving"), "saving");
  saveTimers[lang] = setTimeout(() => { saveTimers[lang] = null; save(lang); }, SAVE_DELAY);
}

async function save(lang) {
  const previous = saving[lang] || Promise.resolve();
  const job = previous.then(() => upload(lang));
  saving[lang] = job.catch(() => {});
  return job;
}

async function upload(lang) {
  const text = toSrt(state.cues[lang]);
  const count = ordered(state.cues[lang]).filter(finished).length;
  if (text === state.sent[lang]) { status(count ? t("saved", { n: count }) : t("none_saved"), "saved"); return; }
  if (!text) {
    state.sent[lang] = "";
    document.dispatchEvent(new CustomEvent("overlay:subs-file", { detail: { lang, upload: null } }));
    status(t("none_saved"), "saved");
    return;
  }
  try {
    const name = `${fileStem()}-${lang}.srt`;
    const response = await fetch(`/api/uploads?kind=subs&name=${encodeURIComponent(name)}`, {
      method: "POST", credentials: "same-origin", body: new Blob([text], { type: "application/x-subrip" }) });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    state.sent[lang] = text;
    const input = byId(`subs-${lang}`);
    if (input) input.value = "";                 // the file chosen there is no longer the one used
    document.dispatchEvent(new CustomEvent("overlay:subs-file", { detail: { lang, upload: data } }));
    status(t("saved", { n: count }), "saved");
  } catch (err) {
    status(t("save_failed", { error: err.message }), "failed");
  }
}

async function flush() {
  for (const lang of LANGS) {
    if (saveTimers[lang]) { clearTimeout(saveTimers[lang]); saveTimers[lang] = null; save(lang); }
  }
  await Promise.all(LANGS.map((lang) => saving[lang] || Promise.resolve()));
}

function fileStem() {
  const name = (byId("file-name") || {}).textContent || "";
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, "").trim() || "subtitles";
}

function download() {
  const text = toSrt(cues());
  if (!text) { status(t("none_saved"), "saved"); return; }
  const blob = new Blob([text], { type: "application/x-subrip;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `${fileStem()}.${state.lang}.srt` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// ---------------------------------------------------------------------------- API

export function getCues(lang) {
  const copy = (l) => ordered(state.cues[l]).map((c) => ({ start: c.start, end: c.end, text: c.text }));
  if (lang) return copy(lang);
  return Object.fromEntries(LANGS.map((l) => [l, copy(l)]));
}

export function loadCues(lang, list, options) {
  if (!LANGS.includes(lang)) return;
  const num = (x) => (x === null || x === undefined || isNaN(Number(x)) ? null : round3(Number(x)));
  state.cues[lang] = (list || []).map((c) => newCue(num(c.start), num(c.end), c.text || ""));
  state.current[lang] = null;
  if (options && options.upload) state.sent[lang] = toSrt(state.cues[lang]);
  setLang(lang);
  layOut(lang, state.cues[lang].map((c) => c.text));
  changed({ noSave: Boolean(options && options.upload) });
}

function setLang(lang) {
  state.lang = lang;
  for (const radio of document.querySelectorAll("input[name=editor_lang]")) radio.checked = radio.value === lang;
  draw();
}

// An SRT chosen in the file fields above opens here (the render's own reader parsed it).
async function openUploaded(lang, uploadRecord) {
  let data;
  try {
    const response = await fetch(`/api/subs/${uploadRecord.id}/cues`, { credentials: "same-origin" });
    data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
  } catch (err) { showError(err.message); return; }
  const typed = state.cues[lang].length && toSrt(state.cues[lang]) !== state.sent[lang];
  if (typed && !window.confirm(t("confirm_replace"))) return;
  loadCues(lang, data.cues, { upload: uploadRecord });
  status(t("opened", { name: data.name, n: data.cues.length }), "saved");
}

// The clip the player plays: its id gives the frame size the lines are laid out for.
function followClip() {
  const video = player();
  if (!video) return;
  const update = () => {
    const m = /\/api\/uploads\/([^/?#]+)\/(original|player)/.exec(video.currentSrc || video.src || "");
    const clip = m ? decodeURIComponent(m[1]) : null;
    if (clip !== state.clip) {
      state.clip = clip;
      for (const lang of LANGS) layOut(lang, state.cues[lang].map((c) => c.text));
    }
  };
  video.addEventListener("loadedmetadata", update);
  video.addEventListener("timeupdate", () => { byId("cue-clock").textContent = clock(video.currentTime); });
  video.addEventListener("seeked", () => { byId("cue-clock").textContent = clock(video.currentTime); });
  update();
}

// While the editor is on screen and the player's own place (step 2) has scrolled away, the
// player docks in a corner so the clip stays in sight while the lines are typed.
function dockPlayer() {
  const video = player();
  if (!video || !root) return;
  const spot = el("div", { class: "player-spot", "aria-hidden": "true" });
  video.before(spot);
  let queued = false;
  const update = () => {
    queued = false;
    const docked = video.classList.contains("docked");
    const place = (docked ? spot : video).getBoundingClientRect();
    const editor = root.getBoundingClientRect();
    const want = Boolean(video.currentSrc) && place.bottom < 0 &&
      editor.top < window.innerHeight && editor.bottom > 0;
    if (want === docked) return;
    spot.style.height = want ? `${video.offsetHeight}px` : "0px";
    video.classList.toggle("docked", want);
  };
  const soon = () => { if (!queued) { queued = true; requestAnimationFrame(update); } };
  window.addEventListener("scroll", soon, { passive: true });
  window.addEventListener("resize", soon);
  video.addEventListener("loadedmetadata", soon);
}

function keys(e) {
  const key = e.key;
  if ((e.altKey && !e.ctrlKey && (key === "k" || key === "K" || e.code === "KeyK")) ||
      (e.ctrlKey && !e.altKey && (key === " " || e.code === "Space"))) {
    e.preventDefault(); togglePlay(); return;
  }
  if (key === "Enter" && e.altKey && !e.ctrlKey) { e.preventDefault(); addHere(); return; }
  if (key === "Enter" && e.ctrlKey && !e.altKey) { e.preventDefault(); endHere(); return; }
  if (key === "Escape" && e.target === byId("cue-text")) { e.target.blur(); }
}

function setup() {
  if (!root) return;
  const field = byId("cue-text");
  field.addEventListener("input", () => {
    const cue = currentCue();
    if (!cue) return;
    cue.text = field.value;
    changed();
  });
  byId("cue-add").addEventListener("click", addHere);
  byId("cue-end-button").addEventListener("click", endHere);
  byId("cue-play").addEventListener("click", togglePlay);
  byId("script-add").addEventListener("click", pasteScript);
  byId("subs-editor-download").addEventListener("click", download);
  for (const radio of document.querySelectorAll("input[name=editor_lang]")) {
    radio.addEventListener("change", () => { if (radio.checked) { setLang(radio.value); layoutSoon(); } });
  }
  document.addEventListener("keydown", keys);
  document.addEventListener("overlay:subs-uploaded", (e) => openUploaded(e.detail.lang, e.detail.upload));
  followClip();
  dockPlayer();
  window.overlayEditor = { loadCues, getCues, flush, srt: (lang) => toSrt(state.cues[lang || state.lang]) };
  draw();
}

setup();
