// overlay web: a little plain JavaScript, no build step. The page talks to the JSON API.
"use strict";

const TEXTS = JSON.parse(document.getElementById("texts").textContent || "{}");
const $ = (sel) => document.querySelector(sel);

function showError(message) {
  const box = $("[data-testid=error]");
  if (!message) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = message;          // text, never HTML
  box.hidden = false;
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error((data && data.error) || response.statusText);
  return data;
}

window.overlay = { $, api, showError, TEXTS };
