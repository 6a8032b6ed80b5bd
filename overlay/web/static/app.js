// overlay web: a little plain JavaScript, no build step. The page talks to the JSON API.
// Every text a user sent (file names, subtitle lines, the organisation) is set with
// textContent, never innerHTML: nothing uploaded is ever read as HTML.
"use strict";

const TEXTS = JSON.parse(document.getElementById("texts").textContent || "{}");
const $ = (sel) => document.querySelector(sel);
const byId = (id) => document.getElementById(id);

function t(key, values) {
  let text = TEXTS[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
  return text;
}

function showError(message) {
  const box = $("[data-testid=error]");
  if (!box) return;
  if (!message) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = message;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const isJson = (response.headers.get("content-type") || "").includes("json");
  const data = isJson ? await response.json() : null;
  if (!response.ok) {
    const error = new Error((data && data.error) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return "";
  const total = Math.round(seconds * 10) / 10;
  const m = Math.floor(total / 60);
  const s = total - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, "0")}`;
}

// "90", "1:30", "0:01:30.5" → seconds (for the live display; the server applies the rule).
function parseTime(text) {
  if (text === null || text === undefined || String(text).trim() === "") return null;
  const parts = String(text).trim().split(":");
  let total = 0;
  for (const part of parts) {
    const value = Number(part);
    if (part.trim() === "" || isNaN(value) || value < 0) return NaN;
    total = total * 60 + value;
  }
  return total;
}

window.overlay = { $, api, showError, t, el, clock };

// ------------------------------------------------------------------ the job page

// chapters: topic key → the player's time (seconds of the original) where the user marked it.
// cues: the subtitle editor's lines per language (editor.js's "overlay:cues"), kept in the draft.
// laoNames: "province/district" → the อปท. name last typed for it; laoTyped: the field holds
// a name the user gave (not the preset's).
const state = { clip: null, subs: { th: null, en: null }, place: null, places: [], job: null, chapters: {},
                cues: { th: null, en: null }, laoNames: {}, laoTyped: false };

function jobPage() {
  if (!byId("clip-input")) return;
  setupClip();
  setupTrim();
  const placesReady = setupWhere();
  setupSubs();
  setupRender();
  setupDraft(placesReady);
  loadHistory();
  resumeActive();
}

// After a reload, the render in progress (or the next in the queue) is followed again.
async function resumeActive() {
  let data;
  try { data = await api("GET", "/api/jobs?limit=50"); } catch (err) { return; }
  const active = data.jobs.filter((j) => j.active);
  if (active.length && !state.job) follow(active[active.length - 1]);
}

// 1. The clip ----------------------------------------------------------------

function setupClip() {
  const input = byId("clip-input");
  const drop = $("[data-testid=clip-drop]");
  input.addEventListener("change", () => { if (input.files[0]) uploadClip(input.files[0]); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) uploadClip(e.dataTransfer.files[0]);
  });
  // A clip dropped beside the zone is the clip too: a near miss must not make the browser
  // leave the page to play the file. A subtitle field keeps its own drop.
  const onFileField = (e) => e.target instanceof Element && e.target.closest("input[type=file]");
  document.addEventListener("dragover", (e) => { if (!onFileField(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (e.defaultPrevented || onFileField(e)) return;
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files[0]) uploadClip(e.dataTransfer.files[0]);
  });
}

function send(file, kind, bar) {
  // XMLHttpRequest: fetch() cannot report upload progress. The body is the file itself,
  // streamed by the browser and written to disk in chunks by the server.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/uploads?kind=${kind}&name=${encodeURIComponent(file.name)}`);
    if (bar) {
      bar.hidden = false; bar.value = 0;
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    }
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new Error((data && data.error) || xhr.statusText));
    };
    xhr.onerror = () => reject(new Error(xhr.statusText || "network error"));
    xhr.send(file);
  });
}

async function uploadClip(file) {
  showError(null);
  state.clip = null;
  resetPlayer();                      // the clip shown before stops now, not when this one is ready
  byId("start").value = "0";
  byId("end").value = "";
  state.chapters = {};
  updateKept();
  updateRenderButton();
  byId("clip-facts").hidden = true;
  byId("clip-warnings").replaceChildren();
  const bar = byId("upload-progress");
  const status = byId("upload-status");
  status.textContent = t("sending", { percent: 0 });
  const timer = setInterval(() => {
    const pct = Math.round(bar.value * 100);
    status.textContent = pct >= 100 ? t("checking") : t("sending", { percent: pct });
  }, 200);
  try {
    state.clip = await send(file, "clip", bar);
  } catch (err) {
    showError(err.message);
    bar.hidden = true;
    updateRenderButton();
    return;
  } finally {
    clearInterval(timer);
    status.textContent = "";
  }
  bar.value = 1;
  showFacts(state.clip);
  loadPlayer(state.clip);
  byId("start").value = "0";
  byId("end").value = "";
  state.chapters = {};
  updateKept();
  updateRenderButton();               // the district may have been chosen while it was sent
  refreshSubsChecks();
  settingsChanged();
}

function showFacts(clip) {
  const info = clip.info;
  const facts = byId("clip-facts");
  const rows = [
    [TEXTS.length, clock(info.duration)],
    [TEXTS.size, `${(clip.size / 1048576).toFixed(1)} MB`],
    [TEXTS.picture, `${info.width}×${info.height}, ${info.orientation_text}`],
    [TEXTS.sound, info.sound ? TEXTS.yes : TEXTS.no],
  ];
  const list = el("dl");
  for (const [k, v] of rows) { list.append(el("dt", {}, k), el("dd", {}, v)); }
  facts.replaceChildren(el("div", { class: "clip-name" }, clip.name), list);
  facts.hidden = false;
  const warnings = byId("clip-warnings");
  warnings.replaceChildren(...(info.changes.length ? info.changes : [TEXTS.no_changes])
    .map((line) => el("li", info.changes.length ? {} : { class: "fine" }, line)));
}

// 2. The part to keep ----------------------------------------------------------

// An empty player: no source, nothing playing, no duration until the next clip's metadata.
// Removing src alone keeps the old clip playing (the media element needs load()).
function resetPlayer() {
  const video = byId("player");
  video.onerror = null;
  video.pause();
  video.removeAttribute("src");
  delete video.dataset.source;
  video.load();
  byId("proxy-status").hidden = true;
}

function loadPlayer(clip) {
  const video = byId("player");
  resetPlayer();
  if (clip.info.playable) {
    video.src = `/api/uploads/${clip.id}/original`;
    // A clip the server thought playable that this browser still cannot play: make a copy.
    video.onerror = () => { if (state.clip === clip) askProxy(clip); };
  } else {
    followProxy(clip);
  }
}

async function askProxy(clip) {
  try { await api("POST", `/api/uploads/${clip.id}/proxy`); } catch (err) { showError(err.message); return; }
  followProxy(clip);
}

async function followProxy(clip) {
  const video = byId("player");
  const box = byId("proxy-status");
  box.hidden = false;
  video.dataset.source = "proxy";
  for (;;) {
    if (state.clip !== clip) return;
    let data;
    try { data = await api("GET", `/api/uploads/${clip.id}`); } catch (err) { showError(err.message); return; }
    const proxy = data.proxy || { state: "waiting", done: 0 };
    if (proxy.state === "ready") {
      box.hidden = true;
      video.onerror = null;
      video.src = `/api/uploads/${clip.id}/player`;
      return;
    }
    if (proxy.state === "failed") { box.textContent = t("proxy_failed", { error: proxy.error || "" }); return; }
    box.textContent = t("proxy_making", { percent: Math.round((proxy.done || 0) * 100) });
    await new Promise((r) => setTimeout(r, 400));
  }
}

// The player's time in the current clip, or null while the player has no clip of its own
// loaded (a new clip still being sent or copied for the player: the old one's time is not it).
function playerTime() {
  const video = byId("player");
  if (!state.clip || !video.getAttribute("src") || video.readyState < 1 || isNaN(video.duration)) return null;
  return Math.min(video.currentTime, state.clip.info.duration);
}

function setupTrim() {
  const video = byId("player");
  byId("start-button").addEventListener("click", () => {
    const time = playerTime();
    if (time === null) return;
    byId("start").value = time.toFixed(1);
    trimChanged();
  });
  byId("end-button").addEventListener("click", () => {
    const time = playerTime();
    if (time === null) return;
    byId("end").value = time.toFixed(1);
    trimChanged();
  });
  for (const id of ["start", "end"]) byId(id).addEventListener("change", trimChanged);
  const chapterChecks = import("/static/chapters.js");     // loaded now: a mark is checked at once
  for (const button of document.querySelectorAll("[data-chapter]")) {
    button.addEventListener("click", async () => {
      const time = playerTime();
      if (time === null) return;
      const part = keptPart();                              // refused here by the report's rules
      const { refusal, showRefusal } = await chapterChecks;
      const why = refusal(button.dataset.chapter, Math.round(time - part.start), chapterMarks(), part.output);
      showRefusal(why);
      if (why) return;
      state.chapters[button.dataset.chapter] = time;
      updateChapters();
      draftChanged();
    });
  }
  for (const button of document.querySelectorAll("[data-clear]")) {
    button.addEventListener("click", () => { delete state.chapters[button.dataset.clear]; updateChapters(); draftChanged(); });
  }
  video.addEventListener("seeked", () => settingsChanged());
  video.addEventListener("pause", () => settingsChanged());
}

function trimChanged() {
  updateKept();
  refreshSubsChecks();
  settingsChanged();
}

// The part kept: its start in the original, its length, and the output's length (≤ the limit).
function keptPart() {
  const start = parseTime(byId("start").value) || 0;
  let end = parseTime(byId("end").value);
  if (end === null || isNaN(end)) end = state.clip.info.duration;
  const kept = Math.max(0, Math.min(end, state.clip.info.duration) - start);
  return { start, kept, output: Math.min(kept, state.clip.info.limit) };
}

function updateKept() {
  const box = byId("kept-length");
  updateChapters();
  if (!state.clip) { box.textContent = ""; return; }
  const limit = state.clip.info.limit;
  const { kept } = keptPart();
  const over = kept > limit + 0.001;
  box.classList.toggle("over", over);
  box.textContent = t(over ? "kept_over" : "kept", { kept: clock(kept), limit: clock(limit) });
}

// The marks in the output's time line (whole seconds, as YouTube's chapters); null when
// the mark is outside the part kept (it is then left out of the job).
function chapterMarks() {
  const marks = {};
  if (!state.clip) return marks;
  const part = keptPart();
  for (const [key, time] of Object.entries(state.chapters)) {
    const seconds = Math.round(time - part.start);
    marks[key] = seconds >= 0 && seconds < part.output ? seconds : null;
  }
  return marks;
}

const stamp = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

function updateChapters() {
  const marks = chapterMarks();
  for (const button of document.querySelectorAll("[data-chapter]")) {
    const key = button.dataset.chapter;
    const box = byId(`chapter-${key}-time`);
    const marked = key in marks;
    box.classList.toggle("over", marked && marks[key] === null);
    box.textContent = !marked ? "" : marks[key] !== null ? stamp(marks[key])
      : t("outside", { time: clock(state.chapters[key]) });
    $(`[data-clear="${key}"]`).hidden = !marked;
  }
}

// 3. Where -----------------------------------------------------------------------

async function setupWhere() {
  let data;
  try { data = await api("GET", "/api/places"); } catch (err) { showError(err.message); return; }
  state.places = data.provinces;
  fillProvinces("", data.default_province);
  byId("province-filter").addEventListener("input", (e) => fillProvinces(e.target.value));
  byId("province").addEventListener("change", () => fillDistricts(""));
  byId("district-filter").addEventListener("input", (e) => fillDistricts(e.target.value));
  byId("district").addEventListener("change", () => districtChanged());
  const lao = byId("lao");
  lao.addEventListener("input", () => {
    state.laoTyped = lao.value.trim() !== "";
    if (state.place && state.laoTyped) state.laoNames[placeKey(state.place)] = lao.value.trim();
    draftChanged();
  });
  lao.addEventListener("change", settingsChanged);
  document.addEventListener("overlay:logos-changed", settingsChanged);   // a logo stored: preview again
  setupPresets();
}

// The preset is chosen by its name from the server's list (never a file path).
async function setupPresets() {
  const select = byId("preset");
  if (!select) return;
  let data;
  try { data = await api("GET", "/api/presets"); } catch (err) { showError(err.message); return; }
  const th = document.documentElement.lang === "th";
  for (const p of data.presets) select.append(el("option", { value: p.name }, th ? p.label_th : p.label_en));
  select.addEventListener("change", districtChanged);
}

const placeKey = (place) => `${place.province}/${place.district}`;

// The อปท. field once the district is known: the preset's stand-in is only a placeholder
// (grey, never typed text); the value is the name last typed for this district, the preset's
// confirmed name, or empty. A name typed before any district was chosen stays.
let restoringLao = null;          // {value, typed} from the draft, for the district it names

function fillLao(hadPlace) {
  const lao = byId("lao");
  lao.placeholder = state.place.lao || "";
  if (restoringLao) {
    lao.value = restoringLao.value;
    state.laoTyped = restoringLao.typed;
    restoringLao = null;
    return;
  }
  if (!hadPlace && state.laoTyped) return;
  const remembered = state.laoNames[placeKey(state.place)];
  lao.value = remembered || (state.place.lao_confirmed ? state.place.lao : "");
  state.laoTyped = Boolean(remembered);
}

const matches = (entry, text) => {
  const q = text.trim().toLowerCase();
  return !q || entry.th.includes(q) || entry.en.toLowerCase().includes(q);
};

function fillSelect(select, entries, selected, text, hint) {
  const shown = entries.filter((e) => matches(e, text));
  select.replaceChildren(...shown.map((e) => {
    const option = el("option", { value: e.th }, e.en ? `${e.th} (${e.en})` : e.th);
    if (e.th === selected) option.selected = true;
    return option;
  }));
  hint.textContent = shown.length ? "" : t("no_match", { text });
  return shown;
}

function fillProvinces(text, selected) {
  const select = byId("province");
  const keep = selected || select.value;
  const shown = fillSelect(select, state.places, keep, text, byId("province-hint"));
  if (!select.value && shown.length === 1) select.value = shown[0].th;
  fillDistricts(byId("district-filter").value);
}

function fillDistricts(text) {
  const province = state.places.find((p) => p.th === byId("province").value);
  const select = byId("district");
  const keep = select.value;
  fillSelect(select, province ? province.districts : [], keep, text, byId("district-hint"));
  if (select.value !== (state.place && state.place.district)) districtChanged();
}

async function districtChanged() {
  const district = byId("district").value;
  const province = byId("province").value;
  const hadPlace = state.place !== null;
  document.dispatchEvent(new CustomEvent("overlay:place", { detail: { province, district } }));   // logo slots
  const name = byId("file-name");
  if (!district || !province) {
    state.place = null;
    name.textContent = "";
    byId("lao").placeholder = "";
    updateRenderButton();
    draftChanged();
    return;
  }
  try {
    const preset = byId("preset") ? byId("preset").value : "";
    state.place = await api("GET", `/api/name?district=${encodeURIComponent(district)}&province=${encodeURIComponent(province)}&preset=${encodeURIComponent(preset)}`);
  } catch (err) { state.place = null; showError(err.message); updateRenderButton(); return; }
  name.textContent = state.place.file_name;
  fillLao(hadPlace);
  updateRenderButton();
  settingsChanged();
}

// 4. Subtitles -----------------------------------------------------------------------

function setupSubs() {
  for (const lang of ["th", "en"]) {
    const input = byId(`subs-${lang}`);
    input.addEventListener("change", async () => {
      showError(null);
      state.subs[lang] = null;
      if (!input.files[0]) { refreshSubsChecks(); return; }
      try { state.subs[lang] = await send(input.files[0], "subs"); } catch (err) { showError(err.message); }
      // The subtitle editor (editor.js) opens the file's cues.
      if (state.subs[lang]) document.dispatchEvent(new CustomEvent("overlay:subs-uploaded", { detail: { lang, upload: state.subs[lang] } }));
      refreshSubsChecks();
      settingsChanged();
    });
  }
  for (const radio of document.querySelectorAll("input[name=subs_mode]")) radio.addEventListener("change", settingsChanged);
  // The subtitle editor (editor.js, when present) says when its lines change: kept in the draft.
  document.addEventListener("overlay:cues", (e) => {
    const detail = e.detail || {};
    if (detail.lang !== "th" && detail.lang !== "en") return;
    state.cues[detail.lang] = Array.isArray(detail.cues) ? detail.cues : null;
    draftChanged();
  });
  // The subtitle editor (editor.js) uploaded its lines as the SRT of a language (null: none).
  document.addEventListener("overlay:subs-file", (e) => {
    state.subs[e.detail.lang] = e.detail.upload;
    refreshSubsChecks();
    settingsChanged();
  });
}

async function refreshSubsChecks() {
  const box = byId("subs-report");
  const parts = [];
  for (const lang of ["th", "en"]) {
    const subs = state.subs[lang];
    if (!subs) continue;
    const params = new URLSearchParams({ start: byId("start").value || "0", end: byId("end").value || "" });
    if (state.clip) params.set("clip", state.clip.id);
    let report;
    try { report = await api("GET", `/api/uploads/${subs.id}/subs-check?${params}`); } catch (err) { showError(err.message); continue; }
    const block = el("div", { class: "subs-file", "data-testid": `subs-report-${lang}` });
    block.append(el("h3", {}, report.name));
    block.append(el("div", {}, t("encoding", { encoding: report.encoding })));
    block.append(el("div", {}, t("cues", { read: report.cues_read, shown: report.cues_shown })));
    const problems = [...report.read_problems, ...report.warnings];
    const list = el("ul", { class: "problems" });
    for (const p of problems) list.append(el("li", {}, p));
    if (!problems.length) list.append(el("li", { class: "fine" }, TEXTS.no_problems));
    block.append(list);
    if (report.breaks.length) {
      block.append(el("div", {}, TEXTS.breaks));
      const breaks = el("ol", { class: "breaks" });
      for (const b of report.breaks) breaks.append(el("li", { value: b.index }, b.shown));
      block.append(breaks);
    }
    parts.push(block);
  }
  box.replaceChildren(...parts);
}

// 5. Preview ---------------------------------------------------------------------------

function fields() {
  const f = {
    input: state.clip && state.clip.id,
    district: byId("district").value,
    province: byId("province").value,
    lao: byId("lao").value,
    preset: byId("preset") ? byId("preset").value : "",
    start: byId("start").value,
    end: byId("end").value,
    subs_mode: (document.querySelector("input[name=subs_mode]:checked") || {}).value || "burn",
  };
  if (state.subs.th) f.subs_th = state.subs.th.id;
  if (state.subs.en) f.subs_en = state.subs.en.id;
  const marks = Object.fromEntries(Object.entries(chapterMarks()).filter(([, s]) => s !== null));
  if (Object.keys(marks).length) f.chapters = marks;
  for (const k of Object.keys(f)) if (f[k] === "" || f[k] === null || f[k] === undefined) delete f[k];
  return f;
}

let previewTimer = null;
let previewSeq = 0;

function settingsChanged() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(refreshPreview, 250);
  draftChanged();
}

async function refreshPreview() {
  if (!state.clip || !state.place) return;
  const f = fields();
  delete f.subs_mode;
  delete f.chapters;
  const video = byId("player");
  const start = parseTime(byId("start").value) || 0;
  const at = video.readyState > 0 ? Math.max(video.currentTime, start) : start;
  const params = new URLSearchParams({ ...f, at: at.toFixed(2) });
  const seq = ++previewSeq;
  const img = byId("preview-image");
  img.classList.add("loading");
  try {
    const response = await fetch(`/api/preview?${params}`);
    if (!response.ok) throw new Error((await response.json()).error);
    const blob = await response.blob();
    if (seq !== previewSeq) return;
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(blob);
    img.hidden = false;
    img.dataset.at = at.toFixed(2);
    byId("preview-hint").hidden = true;
    showError(null);
  } catch (err) {
    if (seq === previewSeq) showError(err.message);
  } finally {
    if (seq === previewSeq) img.classList.remove("loading");
  }
}

// 6. Render ---------------------------------------------------------------------------------

// Called on every change of the clip or the place (an upload ending included) and when a
// render ends (follow() disables it while the render starts; another clip may then be queued).
function updateRenderButton() {
  byId("render-button").disabled = !(state.clip && state.place);
}

function setupRender() {
  updateRenderButton();
  byId("render-button").addEventListener("click", async () => {
    if (window.overlayEditor) await window.overlayEditor.flush();   // the editor's last lines uploaded
    startJob(fields());
  });
  byId("cancel-button").addEventListener("click", async () => {
    if (!state.job) return;
    try { await api("POST", `/api/jobs/${state.job}/cancel`); } catch (err) { showError(err.message); }
  });
}

async function startJob(body, again) {
  showError(null);
  let job;
  try {
    job = again ? await api("POST", `/api/jobs/${again}/again`, body) : await api("POST", "/api/jobs", body);
  } catch (err) {
    if (err.status === 409 && !body.force && confirm(t("replace", { name: (state.place && state.place.file_name) || "" }))) {
      return startJob({ ...body, force: true }, again);
    }
    showError(err.message);
    return;
  }
  follow(job);
}

function showJobWarnings(job) {
  const list = byId("render-warnings");
  list.replaceChildren(...(job.warnings || []).map((line) => el("li", {}, line)));
}

function follow(job) {
  state.job = job.id;
  showJobWarnings(job);
  const bar = byId("progress");
  const eta = byId("eta");
  bar.hidden = false; bar.value = 0;
  byId("receipt").replaceChildren();
  byId("done").hidden = true;
  byId("cancel-button").hidden = false;
  byId("render-button").disabled = true;
  eta.textContent = TEXTS.starting;
  const source = new EventSource(`/api/jobs/${job.id}/events`);
  source.addEventListener("progress", (e) => {
    const snap = JSON.parse(e.data);
    bar.dataset.status = snap.status;
    if (snap.status === "queued") {
      eta.textContent = t("waiting", { n: snap.position || 1 });
    } else if (snap.progress) {
      bar.value = snap.progress.fraction;
      if (snap.progress.phase === "checking") eta.textContent = TEXTS.checking_output;
      else if (snap.progress.eta !== null) eta.textContent = t("time_left", { time: clock(snap.progress.eta) });
    }
    loadQueue();
  });
  source.addEventListener("end", (e) => {
    source.close();
    finished(JSON.parse(e.data));
  });
  source.onerror = () => { /* the browser reconnects by itself; "end" closes it */ };
  loadHistory();
}

function finished(job) {
  showJobWarnings(job);
  const bar = byId("progress");
  bar.dataset.status = job.status;
  byId("cancel-button").hidden = true;
  state.job = null;
  updateRenderButton();
  const eta = byId("eta");
  if (job.status === "done") { bar.value = 1; eta.textContent = TEXTS.done; }
  else if (job.status === "cancelled" || job.status === "stopped") { bar.value = 0; eta.textContent = TEXTS.cancelled; }
  else { eta.textContent = job.receipt ? TEXTS.not_compliant : ""; }
  if (job.error) showError(job.error);
  import("/static/receipt.js").then((m) => m.showReceipt(byId("receipt"), job));   // plain lines, details folded
  if (job.download) {
    const link = byId("download-link");
    link.href = job.download;
    link.setAttribute("download", job.file_name || "");
    byId("output-folder").textContent = t("saved_in", { folder: job.output_folder });
    byId("done").hidden = false;
  }
  loadHistory();
  loadQueue();
}

async function loadQueue() {
  let data;
  try { data = await api("GET", "/api/jobs?limit=50"); } catch (err) { return; }
  const byIdMap = Object.fromEntries(data.jobs.map((j) => [j.id, j]));
  const list = byId("queue");
  list.replaceChildren(...data.queue.filter((id) => byIdMap[id]).map((id) => {
    const job = byIdMap[id];
    return el("li", {}, `${job.settings.names.input || ""} → อำเภอ${job.settings.district}: ${TEXTS["status_" + job.status] || job.status}`);
  }));
}

// The draft (draft.js, overlay/web/drafts.py) ---------------------------------------------

function draftChanged() {
  if (window.overlayDraft) window.overlayDraft.changed();
}

const LANGS = ["th", "en"];

function cleanCues(cues) {
  if (!Array.isArray(cues)) return null;
  const time = (v) => (v === null || v === undefined || v === "" || isNaN(Number(v)) ? null : Math.max(0, Number(v)));
  return cues.map((c) => ({ start: time(c && c.start) || 0, end: time(c && c.end), text: String((c && c.text) || "") }));
}

// Everything chosen on the page, as the server keeps it: ids and values, never a path.
function draftSnapshot() {
  const draft = {
    clip: state.clip ? state.clip.id : null,
    start: byId("start").value,
    end: byId("end").value,
    chapters: state.clip ? { ...state.chapters } : {},
    province: byId("province").value || null,
    district: byId("district").value || null,
    lao: byId("lao").value,
    lao_typed: state.laoTyped,
    subs: Object.fromEntries(LANGS.filter((l) => state.subs[l]).map((l) => [l, state.subs[l].id])),
    subs_mode: (document.querySelector("input[name=subs_mode]:checked") || {}).value || "burn",
    cues: Object.fromEntries(LANGS.filter((l) => state.cues[l]).map((l) => [l, cleanCues(state.cues[l])])),
  };
  const preset = byId("preset");
  if (preset && preset.value) draft.preset = preset.value;
  return draft;
}

async function setupDraft(placesReady) {
  const drafts = window.overlayDraft;
  const button = byId("new-clip");
  if (button) {
    button.addEventListener("click", async () => {
      if (!confirm(TEXTS.confirm_new_clip)) return;
      try { if (drafts) await drafts.clear(); } catch (err) { showError(err.message); return; }
      location.reload();
    });
  }
  if (!drafts) return;
  let data = null;
  try { data = await drafts.load(); } catch (err) { data = null; }
  await placesReady;
  if (data) state.laoNames = data.lao_names || {};
  const draft = data && data.draft;
  // A clip chosen while the draft was being read wins: the page is then not the draft's.
  const restored = Boolean(draft && !state.clip);
  if (restored) {
    try { await restoreDraft(draft, data); } catch (err) { showError(err.message); }
  }
  drafts.start(draftSnapshot, restored, !restored && Boolean(state.clip));
}

// The page as the draft left it: the clip in the player, the part kept, the marks, the
// place and the อปท., the subtitles (files and typed lines), the preset.
async function restoreDraft(draft, data) {
  if (data.clip) {
    state.clip = data.clip;
    showFacts(state.clip);
    loadPlayer(state.clip);
    byId("start").value = draft.start || "0";
    byId("end").value = draft.end || "";
    state.chapters = { ...(draft.chapters || {}) };
  }
  const preset = byId("preset");
  if (preset && draft.preset) preset.value = draft.preset;
  const province = state.places.find((p) => p.th === draft.province);
  if (province) {
    restoringLao = { value: draft.lao || "", typed: Boolean(draft.lao_typed) };
    fillProvinces("", province.th);
    const district = byId("district");
    if (province.districts.some((d) => d.th === draft.district)) {
      district.value = draft.district;
      await districtChanged();
    }
    restoringLao = null;
  } else if (draft.lao) {
    byId("lao").value = draft.lao;
    state.laoTyped = Boolean(draft.lao_typed);
  }
  for (const lang of LANGS) state.subs[lang] = (data.subs || {})[lang] || null;
  const mode = document.querySelector(`input[name=subs_mode][value="${draft.subs_mode || "burn"}"]`);
  if (mode) mode.checked = true;
  for (const lang of LANGS) {
    const cues = (draft.cues || {})[lang];
    if (!Array.isArray(cues)) continue;
    state.cues[lang] = cues;
    // The draft's SRT upload holds exactly these cues: the editor does not send it again.
    if (window.overlayEditor) window.overlayEditor.loadCues(lang, cues, { upload: state.subs[lang] });
  }
  updateKept();
  updateRenderButton();
  refreshSubsChecks();
  settingsChanged();
}

// 7. History -------------------------------------------------------------------------------

async function loadHistory() {
  const body = byId("history-rows");
  if (!body) return;
  let data;
  try { data = await api("GET", "/api/jobs?limit=100"); } catch (err) { return; }
  if (!data.jobs.length) {
    const row = el("tr");
    row.append(el("td", { colspan: "4" }, TEXTS.no_jobs));
    body.replaceChildren(row);
    landOnHistory();
    return;
  }
  body.replaceChildren(...data.jobs.map((job) => {
    const row = el("tr", { "data-job": job.id, "data-status": job.status });
    const when = new Date(job.created * 1000).toLocaleString(document.documentElement.lang === "th" ? "th-TH" : "en-GB");
    row.append(el("td", {}, when));
    row.append(el("td", {}, `${job.settings.district} · ${job.settings.names.input || ""}`));
    row.append(el("td", { class: "status" }, TEXTS["status_" + job.status] || job.status));
    if (job.report) row.lastChild.append(" · ", el("a", { href: job.report.href, "data-testid": "job-report-status" }, job.report.label));
    const actions = el("td", { class: "actions" });
    if (job.download) actions.append(el("a", { href: job.download, download: job.file_name || "" }, TEXTS.download));
    if (job.final) {
      const again = el("button", { type: "button", "data-testid": "again-button" }, TEXTS.again);
      again.addEventListener("click", () => startJob({}, job.id));
      const del = el("button", { type: "button", "data-testid": "delete-button" }, TEXTS.delete);
      del.addEventListener("click", async () => {
        if (!confirm(TEXTS.confirm_delete)) return;
        try { await api("DELETE", `/api/jobs/${job.id}`); } catch (err) { showError(err.message); }
        loadHistory();
      });
      actions.append(again, del);
    }
    row.append(actions);
    return row;
  }));
  landOnHistory();
}

// The nav's History link (/#history): the browser jumps before the rows (and the steps above)
// are drawn, so land again once, when the table is there.
let landedOnHistory = false;
function landOnHistory() {
  if (landedOnHistory || location.hash !== "#history") return;
  landedOnHistory = true;
  byId("history").scrollIntoView({ block: "start" });
}

document.addEventListener("DOMContentLoaded", jobPage);
