// The seven logo slots of the chosen district (overlay/web/routes_logos.py). Plain JS.
// Follows the district chosen in the "where" step (app.js fires "overlay:place" with
// {province, district} whenever it settles); after a file is stored or removed it fires
// "overlay:logos-changed", on which app.js draws the preview again.
"use strict";

(function () {
  const section = document.getElementById("step-logos");
  if (!section) return;
  const list = document.getElementById("logo-slot-list");
  const status = document.getElementById("logo-status");
  const notes = document.getElementById("logo-notes");
  const rowImage = document.getElementById("logo-row");
  const text = (name) => section.dataset["text" + name] || "";
  let place = { province: "", district: "" };

  function chosen() {
    const value = (id) => { const el = document.getElementById(id); return el ? el.value || "" : ""; };
    return { province: value("province"), district: value("district") };
  }

  function query(extra) {
    return new URLSearchParams({ province: place.province, district: place.district, ...(extra || {}) });
  }

  function error(message) {
    if (window.overlay) window.overlay.showError(message); else status.textContent = message;
  }

  async function call(method, url, body) {
    const response = await fetch(url, { method, body, credentials: "same-origin" });
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) throw new Error((data && data.error) || response.statusText);
    return data;
  }

  function el(tag, attrs, content) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (content !== undefined) node.textContent = content;      // text, never HTML
    return node;
  }

  function slot(s, number) {
    const li = el("li", { "class": "logo-slot" + (s.placeholder ? " placeholder" : ""),
                          "data-testid": "logo-slot-" + s.key, "data-key": s.key,
                          "data-placeholder": s.placeholder ? "1" : "0", "title": s.file });
    const label = el("div", { "class": "logo-label" }, number + ". ");
    for (const [i, word] of (s.label_words || [s.label]).entries()) {   // Thai broken between words only
      if (i) label.append(el("wbr"));
      label.append(el("span", { "class": "tw" }, word));
    }
    li.append(label);
    li.append(el("img", { "src": s.thumb, "alt": s.label, "data-testid": "logo-thumb-" + s.key }));
    li.append(el("span", { "class": "mark", "data-testid": "logo-mark-" + s.key },
                 s.placeholder ? text("Placeholder") : "✓ " + text("Official")));
    li.append(el("div", { "class": "source" }, s.source_label));
    if (s.supplier) li.append(el("div", { "class": "supplier" }, s.supplier));
    const input = el("input", { "type": "file", "accept": ".png,.jpg,.jpeg,.svg,image/png,image/jpeg,image/svg+xml",
                                "data-testid": "logo-input-" + s.key, "aria-label": s.label });
    input.addEventListener("change", () => { if (input.files.length) store(s.key, input.files[0], li); });
    li.append(input);
    if (s.stored) {
      const undo = el("button", { "type": "button", "class": "undo", "data-testid": "logo-remove-" + s.key },
                      text("Remove"));
      undo.addEventListener("click", (e) => { e.preventDefault(); e.stopPropagation(); remove(s.key, li); });
      li.append(undo);
    }
    li.addEventListener("dragover", (e) => { e.preventDefault(); li.classList.add("over"); });
    li.addEventListener("dragleave", () => li.classList.remove("over"));
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      li.classList.remove("over");
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) store(s.key, file, li);
    });
    return li;
  }

  function draw(data) {
    document.getElementById("logo-place").textContent = data.label;
    list.replaceChildren(...data.slots.map((s, i) => slot(s, i + 1)));
    if (!data.district) status.textContent = text("ChooseDistrict");
    else if (data.placeholders.length) status.textContent = text("Left").replace("{keys}",   // the logos' names, never their keys
      data.slots.filter((s) => s.placeholder).map((s) => s.label).join(", "));
    else status.textContent = text("AllOfficial");
    if (data.row) { rowImage.src = data.row; rowImage.hidden = false; } else { rowImage.hidden = true; }
    packExport.href = "/api/logos/pack.zip?" + new URLSearchParams({ province: data.province || "" });
  }

  // The logo pack: one zip from the provincial office fills every slot at once.
  const packDrop = document.getElementById("logo-pack-drop");
  const packInput = document.getElementById("logo-pack-input");
  const packExport = document.getElementById("logo-pack-export");

  async function importPack(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    packDrop.classList.add("busy");
    status.textContent = text("Importing");
    notes.replaceChildren();
    try {
      const data = await call("POST", "/api/logos/pack?" + query(), form);
      if (window.overlay) window.overlay.showError("");
      draw(data);
      notes.replaceChildren(...data.notes.map((n) => el("li", {}, n)));
      changed("pack");
    } catch (e) {
      status.textContent = "";
      error(e.message);
    } finally {
      packDrop.classList.remove("busy");
      packInput.value = "";
    }
  }

  // Export: fetched first, so that a refusal (no logos yet) is said on the page, not downloaded.
  packExport.addEventListener("click", async (e) => {
    e.preventDefault();
    try {
      const response = await fetch(packExport.href, { credentials: "same-origin" });
      if (!response.ok) {
        const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
        throw new Error((data && data.error) || response.statusText);
      }
      const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { "href": url, "download": name ? name[1] : "logos.zip" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) { error(err.message); }
  });

  packInput.addEventListener("change", () => { if (packInput.files.length) importPack(packInput.files[0]); });
  packDrop.addEventListener("dragover", (e) => { e.preventDefault(); packDrop.classList.add("over"); });
  packDrop.addEventListener("dragleave", () => packDrop.classList.remove("over"));
  packDrop.addEventListener("drop", (e) => {
    e.preventDefault();
    packDrop.classList.remove("over");
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) importPack(file);
  });

  let asked = 0;   // the last listing asked for: an older answer arriving late is dropped

  async function load(next) {
    place = next || chosen();
    const mine = ++asked;
    try {
      const data = await call("GET", "/api/logos?" + query());
      if (mine === asked) draw(data);
    } catch (e) { if (mine === asked) error(e.message); }
  }

  function changed(key) {
    document.dispatchEvent(new CustomEvent("overlay:logos-changed", { detail: { key, ...place } }));
  }

  async function store(key, file, li) {
    const form = new FormData();
    form.append("file", file, file.name);
    li.classList.add("busy");
    status.textContent = text("Storing");
    notes.replaceChildren();
    try {
      const data = await call("POST", "/api/logos/" + encodeURIComponent(key) + "?" + query(), form);
      if (window.overlay) window.overlay.showError("");
      draw(data);
      notes.replaceChildren(...data.notes.map((n) => el("li", {}, n)));
      changed(key);
    } catch (e) {
      li.classList.remove("busy");
      status.textContent = "";
      error(e.message);
    }
  }

  async function remove(key, li) {
    li.classList.add("busy");
    try { draw(await call("DELETE", "/api/logos/" + encodeURIComponent(key) + "?" + query())); changed(key); }
    catch (e) { li.classList.remove("busy"); error(e.message); }
  }

  document.addEventListener("overlay:place", (e) => {
    const next = { province: e.detail.province || "", district: e.detail.district || "" };
    if (next.province !== place.province || next.district !== place.district || !list.children.length) load(next);
  });
  window.overlayLogos = { load };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => load());
  else load();
})();
