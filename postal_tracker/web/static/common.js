/* Shared helpers of the page scripts: strings, ids, times, tracking numbers, API calls. */
"use strict";

const PT = (() => {
  const strings = JSON.parse(document.getElementById("pt-strings").textContent);

  /** The page's string for `key`, with `{name}` placeholders filled from `values`. */
  function t(key, values) {
    const text = strings[key] !== undefined ? strings[key] : key;
    return text.replace(/\{(\w+)\}/g, (all, name) => (values && name in values ? String(values[name]) : all));
  }

  /** A random UUID; crypto.randomUUID exists only on HTTPS or localhost, a LAN server may be plain HTTP. */
  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Now, as ISO 8601 with the phone's local offset (e.g. 2025-03-01T09:15:02.120+07:00). */
  function nowIso() {
    const d = new Date();
    const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
      `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
    );
  }

  /** `rr 1234 5678 5 vn` -> `RR123456785VN` if it is a valid S10 number (check digit included), else null. */
  function trackingNumber(raw) {
    const compact = String(raw || "").replace(/[\s-]+/g, "").toUpperCase();
    const m = /^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$/.exec(compact);
    if (!m) return null;
    const weights = [8, 6, 4, 2, 3, 5, 9, 7];
    const sum = m[2].split("").reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
    let check = 11 - (sum % 11);
    if (check === 10) check = 0;
    if (check === 11) check = 5;
    return check === Number(m[3]) ? compact : null;
  }

  /** Call the JSON API with the session cookie. Resolves to {status, body}; rejects only when the network fails. */
  async function api(method, url, body, headers) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json" }, body === undefined ? {} : { "Content-Type": "application/json" }, headers || {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, body: data };
  }

  /** The API's refusal in the page's own words, from its status alone: the API's English
      `detail` is for programs and logs, never shown on a page. */
  function problemText(status) {
    const key = `problem.${status}`;
    if (strings[key] !== undefined) return strings[key];
    return status >= 500 ? t("problem.500") : t("problem.other", { status });
  }

  function show(el, visible) {
    el.hidden = !visible;
  }

  /** A refused field's own words (`err_FIELD`) in its message slot (`PREFIXFIELD`, e.g.
      `err-phone`), and the field marked invalid; false when the form has no slot for it. */
  function markField(form, field, prefix = "err-") {
    const err = document.getElementById(`${prefix}${field}`);
    if (!err) return false;
    err.textContent = t(`err_${field}`);
    show(err, true);
    const input = form.elements[field];
    if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
    return true;
  }

  /** After a refused submit: the form's message, and the focus on its first marked field (or on
      the message when none is marked). */
  function showFormError(form, message, text) {
    message.textContent = text;
    show(message, true);
    (form.querySelector("[aria-invalid=true]") || message).focus();
  }

  // A print button on any page (no inline scripts under the pages' CSP).
  for (const button of document.querySelectorAll("[data-print]")) button.addEventListener("click", () => window.print());

  return { t, uuid, nowIso, trackingNumber, api, show, problemText, markField, showFormError };
})();
