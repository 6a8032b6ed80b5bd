// The clip page's draft (overlay/web/drafts.py): what the officer chose is saved on the
// server as it is chosen, so a language switch, another page, a reload or a closed tab lose
// nothing. app.js gives the snapshot (start(snapshot)) and says when something changed
// (changed()); this file sends it, a little later, and says "draft saved".
"use strict";

(function () {
  const DELAY = 300;                 // ms after the last change
  let snapshot = null;               // () => the draft, from app.js
  let timer = null;
  let last = null;                   // the JSON last sent
  let sending = Promise.resolve();

  const box = () => document.getElementById("draft-status");
  const t = (key, values) => (window.overlay ? window.overlay.t(key, values) : key);

  function say(state, text) {
    const status = box();
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  async function load() {
    const response = await fetch("/api/draft", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return null;
    return response.json();
  }

  // unsaved: the officer chose something before the draft was read (a clip dropped at once on
  // a slow PC): the page is not what the server holds, so it is sent now.
  function start(fn, restored, unsaved) {
    snapshot = fn;
    last = unsaved ? null : JSON.stringify(snapshot());
    if (restored) say("saved", t("draft_saved"));
    if (unsaved) changed();
  }

  function changed() {
    if (!snapshot) return;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  function pending() { return timer !== null; }

  // Send the draft now, after any send already under way; resolves when the server has it.
  function save() {
    clearTimeout(timer);
    timer = null;
    if (!snapshot) return sending;
    sending = sending.then(async () => {
      const body = JSON.stringify(snapshot());
      if (body === last) return;
      say("saving", t("draft_saving"));
      try {
        const response = await fetch("/api/draft", {
          method: "PUT", credentials: "same-origin", body,
          headers: { "Content-Type": "application/json" },
        });
        const data = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
        if (!response.ok) throw new Error((data && data.error) || response.statusText);
        last = body;
        say("saved", t("draft_saved"));
      } catch (err) {
        say("failed", t("draft_failed", { error: err.message }));
      }
    });
    return sending;
  }

  // The page is going away (closed tab, reload): the last change goes with keepalive.
  function flush() {
    if (!snapshot || !pending()) return;
    clearTimeout(timer);
    timer = null;
    const body = JSON.stringify(snapshot());
    if (body === last) return;
    last = body;
    fetch("/api/draft", { method: "PUT", credentials: "same-origin", body, keepalive: true,
                          headers: { "Content-Type": "application/json" } }).catch(() => {});
  }

  // "Start a new clip": nothing more is saved, the draft goes; the caller reloads the page.
  async function clear() {
    snapshot = null;
    clearTimeout(timer);
    timer = null;
    await sending;
    const response = await fetch("/api/draft", { method: "DELETE", credentials: "same-origin" });
    if (!response.ok) throw new Error(response.statusText);
  }

  // A link to another page of this app (History, report, audit, the language switch) waits
  // for the draft to be saved before it is followed.
  document.addEventListener("click", (e) => {
    if (!pending() || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const link = e.target instanceof Element && e.target.closest("a[href]");
    if (!link || link.hasAttribute("download") || link.target) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    save().then(() => { location.href = url.href; });
  });
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });

  window.overlayDraft = { load, start, changed, save, clear, pending };
})();
