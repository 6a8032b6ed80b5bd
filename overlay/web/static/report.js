// The report form: choose the district, save as you type, show the engine's reasons beside
// each field, import/export the data file, make the documents. Plain JS, no build step.
"use strict";

(function () {
  const { $, showError } = window.overlay;
  const TEXTS = JSON.parse(document.getElementById("texts").textContent || "{}");

  // Like app.js's api(), and the error keeps the HTTP status (409: ask before replacing).
  async function api(method, url, body, keepalive) {
    const options = { method, headers: {}, keepalive: !!keepalive };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    const response = await fetch(url, options);
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) {
      const error = new Error((data && data.error) || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }
  const T = (key, values) => (TEXTS[key] || key).replace(/\{(\w+)\}/g, (m, k) => (values && k in values ? values[k] : m));
  const path = (p, d) => `/report/${encodeURIComponent(p)}/${encodeURIComponent(d)}`;

  // ------------------------------------------------------------ province and district

  async function places() {
    const provinceSel = $("#report-province"), districtSel = $("#report-district");
    if (!provinceSel) return;
    let data;
    try { data = await api("GET", "/api/places"); } catch (e) { showError(e.message); return; }
    const label = (x) => (x.en ? `${x.th} (${x.en})` : x.th);
    const wanted = provinceSel.dataset.current || data.default_province;
    for (const p of data.provinces) {
      const o = new Option(label(p), p.th, false, p.th === wanted);
      provinceSel.add(o);
    }
    function fillDistricts() {
      districtSel.textContent = "";
      const prov = data.provinces.find((p) => p.th === provinceSel.value);
      for (const d of (prov ? prov.districts : [])) {
        districtSel.add(new Option(label(d), d.th, false, d.th === districtSel.dataset.current));
      }
    }
    fillDistricts();
    provinceSel.selectedOptions[0]?.scrollIntoView({ block: "nearest" });
    provinceSel.addEventListener("change", () => { districtSel.dataset.current = ""; fillDistricts(); });
    districtSel.addEventListener("change", () => {
      if (districtSel.value) window.location.assign(path(provinceSel.value, districtSel.value));
    });
  }

  // ------------------------------------------------------------ the form

  const form = $("#report-form");
  const stateNode = document.getElementById("report-state");
  let state = stateNode ? JSON.parse(stateNode.textContent) : null;
  const touched = new Set();
  let showAll = false, timer = null, saving = Promise.resolve(), version = 0;

  const inputs = () => Array.from(form.querySelectorAll("[data-table][data-key]"));
  const fieldOf = (el) => `${el.dataset.table}.${el.dataset.key}`;

  function answers() {
    const out = { part1: {}, part2: {}, part3: {}, chapters: {}, report: {} };
    for (const el of inputs()) out[el.dataset.table][el.dataset.key] = el.value;
    return out;
  }

  function errorBox(el) {
    const key = el.dataset.table === "chapters" ? `chapter-${el.dataset.key}` : el.dataset.key;
    return form.querySelector(`[data-testid="report-error-${key}"]`);
  }

  function showProblems() {
    const problems = state.problems, fields = problems.fields;
    for (const el of inputs()) {
      const box = errorBox(el);
      if (!box) continue;
      const reason = fields[fieldOf(el)];
      // a missing answer is said once the user has been there (or asked to save or make)
      const visible = reason && (showAll || touched.has(fieldOf(el)) || el.value.trim() !== "");
      box.textContent = visible ? reason : "";
      box.hidden = !visible;
      el.setAttribute("aria-invalid", visible ? "true" : "false");
    }
    const list = $("#report-chapter-problems");
    list.textContent = "";
    for (const line of problems.general) {
      const li = document.createElement("li");
      li.textContent = line;
      list.append(li);
    }
    list.hidden = problems.general.length === 0;
    const n = Object.keys(fields).length + problems.general.length;
    const status = $("#report-status");
    status.textContent = problems.complete ? T("complete") : T("incomplete", { n });
    status.className = problems.complete ? "ok" : "bad";
  }

  function showDocuments() {
    const docs = state.documents, box = $("#report-documents");
    box.hidden = !docs.docx;
    if (!docs.docx) return;
    for (const kind of ["docx", "pdf", "youtube"]) {
      const a = $(`#report-${kind}-link`);
      if (docs[kind]) { a.href = docs[kind].href; a.setAttribute("download", docs[kind].name); a.title = docs[kind].name; }
    }
    const names = $("#report-names");
    names.textContent = Object.values(docs).map((d) => d.name).join(" · ");
    if (!state.status.current) names.textContent += " — " + T("outdated");
    $("#report-youtube-text").value = state.youtube_text || "";
    const img = $("#report-pdf-preview");
    if (state.preview && img.getAttribute("src") !== state.preview) img.src = state.preview;
  }

  function apply(next) {
    state = next;
    showProblems();
    showDocuments();
  }

  function save() {
    timer = null;
    const mine = ++version;
    $("#report-saved").textContent = T("saving");
    saving = saving.then(async () => {
      try {
        const next = await api("PUT", state.api, { answers: answers() });
        if (mine === version) { apply(next); $("#report-saved").textContent = T("saved"); showError(""); }
      } catch (e) {
        $("#report-saved").textContent = T("unsaved", { error: e.message });
      }
    });
    return saving;
  }

  function saveSoon() {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  }

  async function make(force) {
    clearTimeout(timer);
    showAll = true;
    await save();
    if (!state.problems.complete) { showProblems(); focusFirstProblem(); return; }
    const button = $("#report-make");
    button.disabled = true;
    $("#report-saved").textContent = T("making");
    try {
      apply(await api("POST", `${state.api}/make`, { force: !!force }));
      $("#report-saved").textContent = T("made");
      showError("");
    } catch (e) {
      if (e.status === 409 && !force && window.confirm(`${e.message}\n${T("replace")}`)) {
        button.disabled = false;
        return make(true);
      }
      showError(e.message);
      $("#report-saved").textContent = "";
    } finally {
      button.disabled = false;
    }
  }

  // The first field with a reason; or, when only the chapters block the documents (their
  // rules have no field of their own), the list of chapter problems, said beside the button.
  function focusFirstProblem() {
    const bad = inputs().find((el) => state.problems.fields[fieldOf(el)]);
    if (bad) { bad.focus(); return; }
    const list = $("#report-chapter-problems");
    if (!list || list.hidden) return;
    list.scrollIntoView({ block: "center" });
    const first = form.querySelector('[data-table="chapters"]');
    if (first) first.focus({ preventScroll: true });
    $("#report-saved").textContent = T("chapters_block");
  }

  async function importFile(file) {
    try {
      const response = await fetch(`${state.api}/import`, {
        method: "POST", headers: { "Content-Type": "application/toml" }, body: await file.text(),
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      for (const el of inputs()) {
        const table = data.answers[el.dataset.table] || {};
        el.value = table[el.dataset.key] ?? (el.tagName === "SELECT" ? el.value : "");
      }
      showAll = true;
      apply(data);
      $("#report-saved").textContent = T("imported");
      showError("");
    } catch (e) {
      showError(e.message);
    }
  }

  if (form && state) {
    form.addEventListener("input", (ev) => {
      if (!ev.target.dataset.key) return;
      const box = errorBox(ev.target);              // its reason was for the old text: the server will say
      if (box) { box.hidden = true; box.textContent = ""; }
      delete state.problems.fields[fieldOf(ev.target)];
      saveSoon();
    });
    form.addEventListener("change", (ev) => { if (ev.target.dataset.key) saveSoon(); });
    form.addEventListener("focusout", (ev) => {
      if (ev.target.dataset && ev.target.dataset.key) { touched.add(fieldOf(ev.target)); showProblems(); }
    });
    form.addEventListener("submit", (ev) => ev.preventDefault());
    $("#report-save").addEventListener("click", async () => { clearTimeout(timer); showAll = true; await save(); });
    $("#report-make").addEventListener("click", () => make(false));
    $("#report-import").addEventListener("change", (ev) => { if (ev.target.files[0]) importFile(ev.target.files[0]); ev.target.value = ""; });
    $("#report-copy").addEventListener("click", async () => {
      const text = $("#report-youtube-text");
      try { await navigator.clipboard.writeText(text.value); }
      catch (e) { text.select(); document.execCommand("copy"); }
      $("#report-copied").textContent = T("copied");
    });
    // closing the tab within the half second after typing: send what is there, and let it go
    window.addEventListener("pagehide", () => {
      if (timer) { clearTimeout(timer); timer = null; api("PUT", state.api, { answers: answers() }, true).catch(() => {}); }
    });
    apply(state);
  }
  places();
})();
