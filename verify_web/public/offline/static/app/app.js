// The offline app's page: wires the camera, the lists, the verdict and the queue together.
import * as i18n from "./i18n.js";
import * as lists from "./lists.js";
import * as outbox from "./outbox.js";
import { scan } from "./scanner.js";
import { judge, render } from "./verdict.js";

const { t } = i18n;
const $ = (id) => document.getElementById(id);
const ourBaseUrl = document.body.dataset.baseUrl;
const INSPECTORS = new Set(["inspector", "admin"]);
let lastText = null;
let scanning = null;

// navigator.onLine only says a network is joined: on a weak or captive network (and in
// Chromium 150 for a page its service worker answered while offline) it stays true with nothing
// getting through, so the last refresh that found no network counts as offline too.
let reached = true;

function showNetwork() {
  const up = navigator.onLine && reached;
  const line = $("network");
  line.textContent = up ? t("app.online") : t("app.offline");
  line.className = up ? "" : "offline";
}

async function showLists() {
  const saved = await lists.load();
  const line = $("lists");
  if (!saved.list || !saved.refreshedAt) {
    line.textContent = t("app.never_refreshed");
    line.dataset.t = "app.never_refreshed";
    return saved;
  }
  delete line.dataset.t;
  line.textContent = `${t("app.refreshed_at", { when: i18n.when(new Date(saved.refreshedAt)) })} ${t("app.list_version", {
    version: saved.list.version, until: i18n.when(new Date(saved.list.next_update)),
  })}`;
  line.dataset.version = saved.list.version;
  return saved;
}

function refreshNote(outcome) {
  const note = $("refresh-note");
  note.hidden = outcome.ok;
  note.dataset.reason = outcome.reason ?? "";
  if (outcome.ok) return;
  if (outcome.reason === "rolled_back") note.textContent = t("app.rollback", { got: outcome.got, have: outcome.have });
  else if (outcome.reason === "network") note.textContent = t("app.refresh_failed");
  else note.textContent = `${t("app.list_refused")} (${outcome.reason})`;
}

async function showQueue() {
  const all = await outbox.items();
  const count = (state) => all.filter((item) => item.state === state).length;
  const parts = [];
  if (count("waiting")) parts.push(t("app.queue_waiting", { n: count("waiting") }));
  if (count("sent")) parts.push(t("app.queue_sent", { n: count("sent") }));
  if (count("rejected")) parts.push(t("app.queue_rejected", { n: count("rejected") }));
  const waitingChecks = all.some((item) => item.state === "waiting" && item.kind === "check");
  if (waitingChecks && !INSPECTORS.has(localStorage.getItem("ocop-role"))) parts.push(t("app.queue_login"));
  $("queue-state").textContent = parts.length ? parts.join(" ") : t("app.queue_empty");
  $("queue").dataset.waiting = count("waiting");
  $("queue").dataset.sent = count("sent");
  $("save-check").hidden = !(lastText !== null && INSPECTORS.has(localStorage.getItem("ocop-role")));
}

// The "online" event can come before the connection carries traffic: a refresh that found no
// network is tried again a few times, then at the next event, button press or hour.
const RETRY_MS = [2000, 10000, 30000];
const HOURLY_MS = 3600 * 1000;
let retry = null;

async function online(attempt = 0) {
  clearTimeout(retry);
  showNetwork();
  if (!navigator.onLine) return;
  const outcome = await lists.refresh().catch(() => ({ ok: false, reason: "network" }));
  reached = outcome.reason !== "network";
  showNetwork();
  refreshNote(outcome);
  await showLists();
  const sent = await outbox.flush();
  await showQueue();
  if ((outcome.reason === "network" || sent?.waiting) && attempt < RETRY_MS.length) {
    retry = setTimeout(() => online(attempt + 1), RETRY_MS[attempt]);
  }
}

async function check(text, timing = null) {
  const started = timing?.started ?? performance.now();
  const saved = await lists.load();
  const verdict = await judge(text, saved, { ourBaseUrl });
  const target = $("result");
  if (!verdict) {
    target.replaceChildren(Object.assign(document.createElement("p"), { className: "alert", textContent: t("app.never_refreshed") }));
    return;
  }
  lastText = text;
  render(target, verdict, { genuineSite: ourBaseUrl });
  $("report-code").value = typeof text === "string" ? text : "";
  const total = performance.now() - started;
  target.dataset.ms = total.toFixed(1);
  if (timing) {
    target.dataset.reader = timing.reader;
    target.dataset.frameMs = timing.frameMs.toFixed(1);
  }
  await showQueue();
}

async function startCamera() {
  $("scan").hidden = true;
  $("stop").hidden = false;
  $("camera").hidden = false;
  try {
    scanning = await scan($("camera"), async (text, timing) => {
      stopCamera();
      await check(text, timing);
    });
    const reader = $("reader");
    reader.hidden = false;
    reader.dataset.reader = scanning.reader;
    reader.dataset.t = scanning.reader === "native" ? "app.reader_native" : "app.reader_wasm";
    reader.textContent = t(reader.dataset.t);
  } catch {
    stopCamera();
    $("result").replaceChildren(Object.assign(document.createElement("p"), { className: "alert", textContent: t("app.camera_failed") }));
  }
}

function stopCamera() {
  scanning?.stop();
  scanning = null;
  $("scan").hidden = false;
  $("stop").hidden = true;
  $("camera").hidden = true;
}

async function queue(kind, fields, note) {
  await outbox.enqueue(kind, fields);
  const line = Object.assign(document.createElement("p"), { className: "notice", textContent: t(note) });
  line.dataset.notice = note;
  $("queue").append(line);
  await showQueue();
  await online(); // sends it now if it can, else on the retries and events of online()
}

async function start() {
  i18n.use(i18n.current());
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", async () => {
      i18n.use(button.dataset.lang);
      showNetwork();
      await showLists();
      await showQueue();
      if (lastText !== null) await check(lastText);
    });
  }
  $("paste").addEventListener("submit", (event) => {
    event.preventDefault();
    check($("qr").value);
  });
  $("scan").addEventListener("click", startCamera);
  $("stop").addEventListener("click", stopCamera);
  $("refresh").addEventListener("click", () => online());
  $("save-check").addEventListener("click", () => queue("check", { text: lastText }, "app.check_saved"));
  $("report").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(event.target));
    event.target.reset();
    await queue("report", fields, "app.report_saved");
  });
  window.addEventListener("online", () => online());
  setInterval(() => online(), HOURLY_MS);
  window.addEventListener("offline", showNetwork);
  showNetwork();
  await showLists();
  await showQueue();
  if ("serviceWorker" in navigator) await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  await online();
  document.body.dataset.ready = "true";
}

start();
