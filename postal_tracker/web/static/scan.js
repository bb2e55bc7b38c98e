/* /scan: one scan per parcel, big green/red answer; offline scans wait in localStorage and go by batch. */
"use strict";

(() => {
  const { t, uuid, nowIso, trackingNumber, api, show } = PT;
  const config = JSON.parse(document.getElementById("pt-config").textContent);
  // Per user: a phone shared by two postmen must not send one's waiting scans as the other's.
  const QUEUE_KEY = `pt_scan_queue:${config.user_id}`;
  const EVENT_KEY = "pt_scan_event";
  const $ = (id) => document.getElementById(id);
  const form = $("scan-form");
  const numberInput = $("tracking_no");
  const eventSelect = $("event");
  const reasonSelect = $("reason");
  const noteInput = $("note");
  const recipientInput = $("recipient_name");
  const result = $("scan-result");
  const queueCount = $("queue-count");
  const syncResult = $("sync-result");
  const recent = $("recent");
  let lastScanAt = 0;
  let syncing = false;

  function loadQueue() {
    try {
      const queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (e) {
      return [];
    }
  }

  function saveQueue(queue) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    queueCount.textContent = String(queue.length);
  }

  function needs(field) {
    return (config.required[eventSelect.value] || []).includes(field);
  }

  function updateFields() {
    show($("reason-field"), needs("reason"));
    show($("note-field"), needs("reason") && reasonSelect.value === "other");
    show($("recipient-field"), needs("recipient_name"));
  }

  function addRecent(outcome, number, text) {
    const item = document.createElement("li");
    item.className = outcome;
    const time = new Date().toTimeString().slice(0, 5);
    item.textContent = `${time} · ${number || "—"} · ${t(`outcome_${outcome}`)}${text ? ` · ${text}` : ""}`;
    recent.prepend(item);
    while (recent.children.length > 8) recent.lastElementChild.remove();
    show($("recent-card"), true);
  }

  function showOutcome(outcome, number, text) {
    result.dataset.outcome = outcome;
    result.className = `scan-result ${outcome}`;
    $("outcome-title").textContent = t(`outcome_${outcome}`);
    $("outcome-number").textContent = number || "";
    $("outcome-text").textContent = text || "";
    show(result, true);
    if (navigator.vibrate) navigator.vibrate(outcome === "rejected" ? [250, 100, 250] : 60);
    addRecent(outcome, number, text);
  }

  function refusal(status, body, number) {
    const problem = body || {};
    if (status === 404) return t("err_not_found", { no: number });
    if (status === 409 && problem.current_status) {
      const current = t(`status.${problem.current_status}`);
      if (!Array.isArray(problem.allowed_events)) return t("problem_409", { status: current });
      const allowed = problem.allowed_events.map((e) => t(`event.${e}`));
      return allowed.length
        ? t("err_conflict", { status: current, allowed: allowed.join(", ") })
        : t("err_conflict_none", { status: current });
    }
    const fields = (problem.errors || []).map((e) => e.field);
    if (fields.includes("tracking_no")) return t("err_bad_number");
    if (fields.includes("at")) return t("err_clock");
    if (fields.includes("reason")) return t("err_need_reason");
    if (fields.includes("recipient_name")) return t("err_need_recipient");
    if (fields.includes("note")) return t("err_need_note");
    if (fields.length) return t("err_invalid_field");
    return PT.problemText(status);
  }

  function readyForNext() {
    numberInput.value = "";
    recipientInput.value = "";
    noteInput.value = "";
    reasonSelect.value = "";
    updateFields();
    numberInput.focus();
  }

  function enqueue(scan) {
    const queue = loadQueue();
    queue.push(scan);
    saveQueue(queue);
    showOutcome("queued", scan.tracking_no, t("queued_text"));
  }

  function syncMessage(parts) {
    syncResult.replaceChildren(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
    show(syncResult, parts.length > 0);
  }

  function sessionExpired() {
    const link = document.createElement("a");
    link.href = "/login?next=/scan";
    link.textContent = t("login_again");
    syncMessage([`${t("session_expired")} `, link]);
  }

  function buildScan(number) {
    const scan = { scan_id: uuid(), tracking_no: number, event: eventSelect.value, at: nowIso() };
    if (needs("reason")) {
      if (!reasonSelect.value) return { missing: "err_need_reason", focus: reasonSelect };
      scan.reason = reasonSelect.value;
      if (scan.reason === "other") {
        if (!noteInput.value.trim()) return { missing: "err_need_note", focus: noteInput };
        scan.note = noteInput.value.trim();
      }
    }
    if (needs("recipient_name")) {
      if (!recipientInput.value.trim()) return { missing: "err_need_recipient", focus: recipientInput };
      scan.recipient_name = recipientInput.value.trim();
    }
    return { scan };
  }

  async function submitScan(event) {
    event.preventDefault();
    const typed = numberInput.value.trim();
    if (!typed) {
      // A scanner that ends with CR and LF sends a second Enter right after the first.
      if (Date.now() - lastScanAt > 1500) showOutcome("rejected", "", t("err_need_number"));
      numberInput.focus();
      return;
    }
    const number = trackingNumber(typed);
    if (number === null) {
      showOutcome("rejected", typed.toUpperCase(), t("err_bad_number"));
      numberInput.select();
      return;
    }
    const built = buildScan(number);
    if (built.missing) {
      showOutcome("rejected", number, t(built.missing));
      built.focus.focus();
      return;
    }
    const scan = built.scan;
    lastScanAt = Date.now();
    readyForNext();
    if (navigator.onLine === false) return enqueue(scan);
    try {
      const answer = await api("POST", "/api/v1/scans", scan);
      const body = answer.body || {};
      if (answer.status === 401) {
        enqueue(scan);
        sessionExpired();
      } else if (answer.status >= 500 || answer.status === 429) {
        enqueue(scan); // the server is in trouble: keep the scan; its scan_id makes a resend harmless
      } else if (body.duplicate) {
        showOutcome("duplicate", number, t("duplicate_text"));
      } else if (answer.status === 201) {
        showOutcome("accepted", number, t("now_status", { status: t(`status.${body.shipment.status}`) }));
      } else {
        showOutcome("rejected", number, refusal(answer.status, body, number));
      }
    } catch (e) {
      enqueue(scan); // no answer at all: offline, whatever navigator.onLine said
    }
  }

  async function sync(manual) {
    const queue = loadQueue();
    if (syncing || queue.length === 0) return;
    if (navigator.onLine === false) {
      if (manual) syncMessage([t("sync_failed")]);
      return;
    }
    syncing = true;
    try {
      const batch = queue.slice(0, 1000);
      const answer = await api("POST", "/api/v1/scans/batch", { scans: batch });
      if (answer.status === 401) return sessionExpired();
      if (answer.status !== 200 || !answer.body || !Array.isArray(answer.body.results)) {
        syncMessage([t("sync_failed")]);
        return;
      }
      const sent = new Map(batch.map((s) => [s.scan_id, s]));
      const done = new Set();
      let accepted = 0;
      let rejected = 0;
      for (const r of answer.body.results) {
        done.add(r.scan_id);
        const scan = sent.get(r.scan_id) || {};
        if (r.outcome === "rejected") {
          rejected += 1;
          addRecent("rejected", scan.tracking_no, refusal(r.error && r.error.status, r.error, scan.tracking_no));
        } else {
          accepted += 1;
          addRecent(r.outcome, scan.tracking_no, r.status ? t(`status.${r.status}`) : "");
        }
      }
      // Read the queue again: scans made while the batch was on its way stay queued.
      saveQueue(loadQueue().filter((s) => !done.has(s.scan_id)));
      const summary = t("sync_done", { n: done.size, accepted, rejected });
      syncMessage([rejected ? `${summary} ${t("sync_rejected_hint")}` : summary]);
    } catch (e) {
      if (manual) syncMessage([t("sync_failed")]);
    } finally {
      syncing = false;
    }
  }

  function updateNetwork() {
    const online = navigator.onLine !== false;
    const badge = $("net");
    badge.dataset.online = String(online);
    badge.textContent = t(online ? "online" : "offline");
  }

  const savedEvent = localStorage.getItem(EVENT_KEY);
  if (savedEvent && config.required[savedEvent]) eventSelect.value = savedEvent;
  eventSelect.addEventListener("change", () => {
    localStorage.setItem(EVENT_KEY, eventSelect.value);
    updateFields();
    numberInput.focus();
  });
  reasonSelect.addEventListener("change", updateFields);
  form.addEventListener("submit", submitScan);
  $("sync").addEventListener("click", () => sync(true));
  window.addEventListener("online", () => {
    updateNetwork();
    sync(false);
  });
  window.addEventListener("offline", updateNetwork);
  setInterval(() => sync(false), 30000);
  updateFields();
  updateNetwork();
  saveQueue(loadQueue());
  sync(false);
  // The service worker keeps this page and its files so a reload opens it offline. Browsers
  // allow one only on https or localhost: on a plain-http LAN address the queue still works.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
  }
})();
