/* /scan: one scan per parcel, big green/red answer; offline scans wait in localStorage and go by batch.
   Today's stops are kept in localStorage too, so the round (and the fee owed) is there offline.
   The rear camera reads the label's Code 128 or QR, with the browser's BarcodeDetector where it
   has one, else with ZXing (static/vendor/, loaded only then, kept by the service worker). */
"use strict";

(() => {
  const { t, uuid, nowIso, trackingNumber, api, show } = PT;
  const config = JSON.parse(document.getElementById("pt-config").textContent);
  // Per user: a phone shared by two postmen must not send one's waiting scans as the other's.
  const QUEUE_KEY = `pt_scan_queue:${config.user_id}`;
  const EVENT_KEY = "pt_scan_event";
  const STOPS_KEY = `pt_stops:${config.user_id}`;
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
  const feeInput = $("fee_collected_vnd");
  const relationship = $("recipient_relationship");
  const idKind = $("recipient_id_kind");
  const idNumber = $("recipient_id_number");
  const authorization = $("authorization_note");
  const canvas = $("signature");
  const photoInput = $("photo");
  const photoPreview = $("photo-preview");
  // The decoder comes with this script's version, so the service worker's copy is the one used.
  const ZXING_URL = `/static/vendor/zxing.min.js${new URL(document.currentScript.src).search}`;
  let lastScanAt = 0;
  let syncing = false;
  let stopsByNumber = new Map();
  let owedByNumber = new Map(); // what the API said is owed, when looked up online
  let signed = false;
  let photo = null; // base64 JPEG, already shrunk
  let position = null; // {lat, lon} when the phone allows it

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

  // --- the fee still owed: from today's stops at once, then from the API when online ----------
  function owed(number) {
    if (owedByNumber.has(number)) return owedByNumber.get(number);
    const stop = stopsByNumber.get(number);
    return stop ? stop.fee_to_collect_vnd || 0 : null;
  }

  function feeShown() {
    const number = trackingNumber(numberInput.value);
    if (eventSelect.value === "picked_up") return true;
    return eventSelect.value === "delivered" && number !== null && (owed(number) || 0) > 0;
  }

  function fillFee() {
    const number = trackingNumber(numberInput.value);
    const amount = number === null ? null : owed(number);
    if (amount !== null && !feeInput.dataset.typed) feeInput.value = String(amount);
    show($("fee-field"), feeShown());
  }

  let lookup = null;
  async function lookUpFee() {
    const number = trackingNumber(numberInput.value);
    fillFee();
    if (number === null || navigator.onLine === false || owedByNumber.has(number)) return;
    lookup = number;
    try {
      const answer = await api("GET", `/api/v1/shipments/${number}`);
      if (answer.status === 200 && typeof answer.body.fee_owed_vnd === "number") {
        owedByNumber.set(number, answer.body.fee_owed_vnd);
        if (lookup === number && trackingNumber(numberInput.value) === number) fillFee();
      }
    } catch (e) {
      /* offline: the stops' figure stays */
    }
  }

  function updateFields() {
    show($("reason-field"), needs("reason"));
    show($("note-field"), needs("reason") && reasonSelect.value === "other");
    show($("recipient-field"), needs("recipient_name"));
    show($("authorization-field"), needs("recipient_name") && relationship.value === "proxy");
    fillFee();
    if (needs("recipient_name")) askPosition();
  }

  // --- proof of delivery: signature (mouse, pen or finger), photo shrunk here, position ---------
  const pen = canvas.getContext("2d");
  function clearSignature() {
    pen.fillStyle = "#fff";
    pen.fillRect(0, 0, canvas.width, canvas.height);
    signed = false;
  }
  function pointAt(event) {
    const box = canvas.getBoundingClientRect();
    const touch = event.touches ? event.touches[0] : event;
    return [((touch.clientX - box.left) * canvas.width) / box.width, ((touch.clientY - box.top) * canvas.height) / box.height];
  }
  let drawing = false;
  function startLine(event) {
    event.preventDefault();
    drawing = true;
    const [x, y] = pointAt(event);
    pen.beginPath();
    pen.moveTo(x, y);
  }
  function drawLine(event) {
    if (!drawing) return;
    event.preventDefault();
    const [x, y] = pointAt(event);
    pen.lineTo(x, y);
    pen.strokeStyle = "#000";
    pen.lineWidth = 2.5;
    pen.lineCap = "round";
    pen.stroke();
    signed = true;
  }
  function endLine() {
    drawing = false;
  }
  if (window.PointerEvent) {
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      startLine(e);
    });
    canvas.addEventListener("pointermove", drawLine);
    canvas.addEventListener("pointerup", endLine);
    canvas.addEventListener("pointercancel", endLine);
  } else {
    canvas.addEventListener("mousedown", startLine);
    canvas.addEventListener("mousemove", drawLine);
    window.addEventListener("mouseup", endLine);
    canvas.addEventListener("touchstart", startLine, { passive: false });
    canvas.addEventListener("touchmove", drawLine, { passive: false });
    canvas.addEventListener("touchend", endLine);
  }

  /** The chosen picture, at most 1024 px on its longer side, as JPEG: a few dozen kB, not megabytes. */
  function shrinkPhoto(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onerror = reject;
      reader.onload = () => {
        const image = new Image();
        image.onerror = reject;
        image.onload = () => {
          const scale = Math.min(1, 1024 / Math.max(image.naturalWidth, image.naturalHeight));
          const small = document.createElement("canvas");
          small.width = Math.max(1, Math.round(image.naturalWidth * scale));
          small.height = Math.max(1, Math.round(image.naturalHeight * scale));
          small.getContext("2d").drawImage(image, 0, 0, small.width, small.height);
          let quality = 0.8;
          let url = small.toDataURL("image/jpeg", quality);
          while (url.length > 390000 && quality > 0.3) {
            quality -= 0.15;
            url = small.toDataURL("image/jpeg", quality);
          }
          resolve(url);
        };
        image.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  photoInput.addEventListener("change", async () => {
    photo = null;
    show(photoPreview, false);
    const file = photoInput.files && photoInput.files[0];
    if (!file) return;
    try {
      const url = await shrinkPhoto(file);
      photo = url.split(",")[1];
      photoPreview.src = url;
      photoPreview.dataset.bytes = String(Math.round((photo.length * 3) / 4));
      show(photoPreview, true);
    } catch (e) {
      photoInput.value = "";
      showOutcome("rejected", "", t("err_photo"));
    }
  });

  let askedPosition = false;
  function askPosition() {
    if (askedPosition || !navigator.geolocation) return;
    askedPosition = true;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        position = { lat: Number(p.coords.latitude.toFixed(6)), lon: Number(p.coords.longitude.toFixed(6)) };
        $("position-status").textContent = t("position_ok");
      },
      () => {
        $("position-status").textContent = t("position_none");
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 120000 },
    );
  }

  // --- sound and vibration: a short beep for yes, a low double one for no -----------------------
  let audio = null;
  function beep(outcome) {
    if (navigator.vibrate) navigator.vibrate(outcome === "rejected" ? [250, 100, 250] : 60);
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = outcome === "rejected" ? [[220, 0], [220, 0.25]] : outcome === "accepted" ? [[880, 0]] : [[660, 0]];
      for (const [hz, at] of tones) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = hz;
        gain.gain.value = 0.15;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.15);
      }
    } catch (e) {
      /* no sound on this phone: the colour and the vibration remain */
    }
  }

  // --- the camera: the label's Code 128 holds the number, its QR the tracking link -----------------
  const cameraStart = $("camera-start");
  const cameraStop = $("camera-stop");
  const video = $("camera-video");
  const cameraStatus = $("camera-status");
  let stream = null;
  let opening = false;
  let generation = 0; // bumped when the camera stops: the reading loop of an older opening ends

  /** The tracking number in what a code says: the number itself, or the `no` of a tracking link. */
  function numberFromCode(text) {
    const direct = trackingNumber(text);
    if (direct) return direct;
    try {
      const linked = trackingNumber(new URL(text).searchParams.get("no"));
      if (linked) return linked;
    } catch (e) {
      /* not a link */
    }
    for (const match of String(text).toUpperCase().matchAll(/[A-Z]{2}\d{9}[A-Z]{2}/g)) {
      const found = trackingNumber(match[0]);
      if (found) return found;
    }
    return null;
  }

  function cameraMessage(key, values) {
    cameraStatus.dataset.key = key;
    cameraStatus.textContent = t(key, values);
    show(cameraStatus, true);
  }

  async function nativeDecoder() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("code_128") || !formats.includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["code_128", "qr_code"] });
      return { kind: "native", read: async (source) => (await detector.detect(source)).map((code) => code.rawValue) };
    } catch (e) {
      return null;
    }
  }

  let zxingLoading = null;
  function loadZxing() {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    zxingLoading =
      zxingLoading ||
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = ZXING_URL;
        script.onload = () => (window.ZXing ? resolve(window.ZXing) : reject(new Error("no ZXing")));
        script.onerror = () => {
          zxingLoading = null;
          reject(new Error("ZXing not loaded"));
        };
        document.head.append(script);
      });
    return zxingLoading;
  }

  async function zxingDecoder() {
    const ZXing = await loadZxing();
    const reader = new ZXing.MultiFormatReader();
    reader.setHints(
      new Map([
        [ZXing.DecodeHintType.POSSIBLE_FORMATS, [ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.QR_CODE]],
        [ZXing.DecodeHintType.TRY_HARDER, true],
      ]),
    );
    const frame = document.createElement("canvas");
    const painter = frame.getContext("2d", { willReadFrequently: true });
    return {
      kind: "zxing",
      read: async (source) => {
        frame.width = source.videoWidth || source.naturalWidth || source.width;
        frame.height = source.videoHeight || source.naturalHeight || source.height;
        painter.drawImage(source, 0, 0, frame.width, frame.height);
        const bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(new ZXing.HTMLCanvasElementLuminanceSource(frame)));
        try {
          return [reader.decodeWithState(bitmap).getText()];
        } catch (e) {
          if (e instanceof ZXing.Exception) return []; // nothing readable in this frame
          throw e;
        } finally {
          reader.reset();
        }
      },
    };
  }

  /** A reader of codes in a video or image: `{kind, read(source) -> Promise<[text]>}`. */
  async function codeReader() {
    return (await nativeDecoder()) || zxingDecoder();
  }

  function cameraProblem(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return "camera_refused";
    if (name === "NotReadableError" || name === "AbortError") return "camera_busy";
    return "camera_absent"; // NotFoundError, OverconstrainedError, or no camera API at all
  }

  function stopCamera() {
    generation += 1;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.pause();
    video.srcObject = null;
    show(video, false);
    show(cameraStop, false);
    show(cameraStart, true);
  }

  /** What the camera read goes in the number field and is recorded as Enter would record it. */
  async function recordRead(number) {
    numberInput.value = number;
    // The fee owed, looked up as if typed (a moment at most: offline, the stops' figure stays).
    await Promise.race([lookUpFee(), new Promise((resolve) => setTimeout(resolve, 2500))]);
    if (trackingNumber(numberInput.value) === number) await submitScan({ preventDefault() {} });
  }

  async function startCamera() {
    if (stream || opening) return;
    if (!window.isSecureContext) return cameraMessage("camera_insecure");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return cameraMessage("camera_absent");
    opening = true;
    const reading = codeReader();
    reading.catch(() => undefined); // looked at below, once the camera is open
    let reader;
    try {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: false,
        });
      } catch (e) {
        stream = null;
        return cameraMessage(cameraProblem(e));
      }
      try {
        reader = await reading;
      } catch (e) {
        stopCamera();
        return cameraMessage("camera_failed");
      }
      video.srcObject = stream;
      video.dataset.decoder = reader.kind;
      show(video, true);
      show(cameraStop, true);
      show(cameraStart, false);
      cameraMessage("camera_looking");
      await video.play().catch(() => undefined);
    } finally {
      opening = false;
    }
    const mine = ++generation;
    let warned = false;
    while (mine === generation) {
      if (video.readyState >= 2 && video.videoWidth) {
        let codes;
        try {
          codes = await reader.read(video);
        } catch (e) {
          stopCamera();
          return cameraMessage("camera_failed");
        }
        if (mine !== generation) return;
        const number = codes.map(numberFromCode).find((n) => n !== null);
        if (number) {
          stopCamera();
          cameraMessage("camera_read", { no: number });
          return recordRead(number);
        }
        if (codes.length && !warned) {
          warned = true;
          cameraMessage("camera_not_ours");
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }

  cameraStart.addEventListener("click", startCamera);
  cameraStop.addEventListener("click", () => {
    stopCamera();
    show(cameraStatus, false);
    numberInput.focus();
  });
  // A camera left on in a pocket drains the battery: off when the page is hidden.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && stream) stopCamera();
  });
  window.addEventListener("pagehide", stopCamera);

  // --- today's stops, kept for offline use --------------------------------------------------------
  function telHref(phone) {
    return `tel:${String(phone).replace(/[^\d+]/g, "")}`;
  }

  function renderStops(saved) {
    const list = $("stops");
    list.replaceChildren();
    stopsByNumber = new Map();
    const stops = saved ? saved.stops : [];
    for (const stop of stops) {
      stopsByNumber.set(stop.tracking_no, stop);
      const item = document.createElement("li");
      item.dataset.testid = "stop";
      item.dataset.trackingNo = stop.tracking_no;
      item.className = `stop leg-${stop.leg}`;
      const head = document.createElement("p");
      const order = document.createElement("strong");
      order.textContent = `${stop.order}. `;
      const number = document.createElement("button");
      number.type = "button";
      number.className = "link mono pick-stop";
      number.textContent = stop.tracking_no;
      number.setAttribute("aria-label", t("stop_pick", { no: stop.tracking_no }));
      const kind = document.createElement("span");
      kind.className = "pill";
      kind.textContent = t(stop.leg === "pickup" ? "stop_pickup" : "stop_delivery");
      head.append(order, number, " ", kind);
      const who = document.createElement("p");
      who.textContent = `${stop.name} · ${t("hamlet_short")} ${stop.hamlet_name}`;
      const where = document.createElement("p");
      where.className = "muted";
      where.textContent = stop.address_detail;
      item.append(head, who, where);
      if (stop.note) {
        const note = document.createElement("p");
        note.className = "stop-note";
        note.textContent = stop.note;
        item.append(note);
      }
      if (stop.reason_text_vi) {
        const why = document.createElement("p");
        why.className = "muted";
        why.textContent = `${t(`reason.${stop.reason}`)}: ${t(`next_after.${stop.reason}`)}`;
        item.append(why);
      }
      const actions = document.createElement("p");
      actions.className = "stop-actions";
      if (stop.phone) {
        const call = document.createElement("a");
        call.className = "button secondary small";
        call.href = telHref(stop.phone);
        call.textContent = `${t("call")} ${stop.phone}`;
        actions.append(call);
      }
      if (stop.fee_to_collect_vnd > 0) {
        const fee = document.createElement("span");
        fee.className = "fee";
        fee.textContent = t("stop_fee", { amount: stop.fee_to_collect_vnd.toLocaleString("vi-VN") });
        actions.append(fee);
      }
      item.append(actions);
      list.append(item);
    }
    $("stops-count").textContent = String(stops.length);
    show($("stops-empty"), saved !== null && stops.length === 0);
    $("stops-saved").textContent = saved ? t("stops_saved", { time: new Date(saved.saved_at).toTimeString().slice(0, 5) }) : "";
  }

  function savedStops() {
    try {
      const saved = JSON.parse(localStorage.getItem(STOPS_KEY) || "null");
      return saved && Array.isArray(saved.stops) && saved.day === new Date().toDateString() ? saved : null;
    } catch (e) {
      return null;
    }
  }

  async function loadStops() {
    if (navigator.onLine === false) return;
    try {
      const answers = await Promise.all(["pickup", "delivery"].map((kind) => api("GET", `/api/v1/manifests?kind=${kind}`)));
      if (answers.some((a) => a.status === 401)) return sessionExpired();
      if (answers.some((a) => a.status !== 200)) return;
      // Mine, or nobody's yet: another postman's round is not on this phone.
      const stops = answers
        .flatMap((a) => a.body.stops)
        .filter((s) => s.postman_id === null || s.postman_id === config.user_id)
        .map((s, i) => Object.assign({}, s, { order: i + 1 }));
      const saved = { day: new Date().toDateString(), saved_at: Date.now(), stops };
      localStorage.setItem(STOPS_KEY, JSON.stringify(saved));
      renderStops(saved);
      fillFee();
    } catch (e) {
      /* offline: the saved list stays */
    }
  }

  $("stops").addEventListener("click", (event) => {
    const pick = event.target.closest(".pick-stop");
    if (!pick) return;
    numberInput.value = pick.textContent;
    lookUpFee();
    numberInput.focus();
  });
  $("stops-refresh").addEventListener("click", loadStops);

  function addRecent(outcome, number, text) {
    const item = document.createElement("li");
    item.className = outcome;
    const time = new Date().toTimeString().slice(0, 5);
    item.textContent = `${time} · ${number || "—"} · ${t(`outcome_${outcome}`)}${text ? ` · ${text}` : ""}`;
    recent.prepend(item);
    while (recent.children.length > 8) recent.lastElementChild.remove();
    show($("recent-card"), true);
  }

  function showOutcome(outcome, number, text, listed = true) {
    result.dataset.outcome = outcome;
    result.className = `scan-result ${outcome}`;
    $("outcome-title").textContent = t(`outcome_${outcome}`);
    $("outcome-number").textContent = number || "";
    $("outcome-text").textContent = text || "";
    show(result, true);
    result.scrollIntoView({ block: "nearest" });
    beep(outcome);
    if (listed) addRecent(outcome, number, text);
  }

  function refusal(status, body, number) {
    const problem = body || {};
    if (status === 404) return t("err_not_found", { no: number });
    if (status === 409 && problem.current_status) {
      const current = t(`status.${problem.current_status}`);
      if (!Array.isArray(problem.allowed_events)) return t("problem_409", { status: current });
      if (problem.allowed_events.join() === "returned_to_desk" && problem.current_status === "delivery_failed") {
        return t("err_limit_return");
      }
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
    if (fields.includes("authorization_note")) return t("err_need_authorization");
    if (fields.includes("recipient_id_number")) return t("err_id_number_scan");
    if (fields.includes("fee_collected_vnd")) return t("err_fee");
    if (fields.includes("signature_png") || fields.includes("photo_jpeg")) return t("err_photo");
    if (fields.length) return t("err_invalid_field");
    return PT.problemText(status);
  }

  function readyForNext() {
    numberInput.value = "";
    recipientInput.value = "";
    noteInput.value = "";
    reasonSelect.value = "";
    feeInput.value = "";
    delete feeInput.dataset.typed;
    relationship.value = "self";
    idKind.value = "";
    idNumber.value = "";
    authorization.value = "";
    photoInput.value = "";
    photo = null;
    show(photoPreview, false);
    clearSignature();
    updateFields();
    numberInput.focus();
  }

  function repeatText(problem) {
    const allowed = (problem.allowed_events || []).map((e) => t(`event.${e}`)).join(", ") || "—";
    return t("repeat_text", { status: t(`status.${problem.current_status}`), allowed });
  }

  function acceptedText(shipment) {
    if (shipment.status === "delivery_failed" && (shipment.allowed_events || []).join() === "returned_to_desk") {
      return t("limit_reached_return");
    }
    const text = t("now_status", { status: t(`status.${shipment.status}`) });
    return shipment.fee_collected_vnd && shipment.status === "picked_up"
      ? `${text} ${t("fee_recorded", { amount: shipment.fee_collected_vnd.toLocaleString("vi-VN") })}`
      : text;
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
      scan.recipient_relationship = relationship.value;
      if (relationship.value === "proxy") {
        if (!authorization.value.trim()) return { missing: "err_need_authorization", focus: authorization };
        scan.authorization_note = authorization.value.trim();
      }
      if (idKind.value) scan.recipient_id_kind = idKind.value;
      const id = idNumber.value.replace(/\s+/g, "").toUpperCase();
      if (id) {
        if (!/^(\d{9}(\d{3})?|[A-Z][0-9]{7,8})$/.test(id)) return { missing: "err_id_number_scan", focus: idNumber };
        scan.recipient_id_number = id;
      }
      if (signed) scan.signature_png = canvas.toDataURL("image/png").split(",")[1];
      if (photo) scan.photo_jpeg = photo;
      if (position) Object.assign(scan, position);
    }
    if (feeShown() && feeInput.value.trim()) {
      const fee = feeInput.value.replace(/[.\s,đ]/g, "");
      if (!/^\d{1,9}$/.test(fee)) return { missing: "err_fee", focus: feeInput };
      if (Number(fee) > 0) scan.fee_collected_vnd = Number(fee);
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
        showOutcome("accepted", number, acceptedText(body.shipment));
      } else if (answer.status === 409 && body.repeat) {
        // The same label scanned again: it is recorded already, nothing to worry about.
        showOutcome("duplicate", number, repeatText(body));
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
        if (r.outcome === "rejected" && r.error && r.error.repeat) {
          accepted += 1; // recorded before: nothing is lost, nothing to resolve
          addRecent("duplicate", scan.tracking_no, repeatText(r.error));
        } else if (r.outcome === "rejected") {
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
      // The big answer reports the sync too: a retry of scans the server had already is calm.
      const outcomes = answer.body.results.map((r) => r.outcome);
      if (outcomes.length) {
        const shown = rejected ? "rejected" : outcomes.every((o) => o === "duplicate") ? "duplicate" : "accepted";
        showOutcome(shown, outcomes.length === 1 ? (sent.get(answer.body.results[0].scan_id) || {}).tracking_no : "", summary, false);
      }
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
  relationship.addEventListener("change", updateFields);
  numberInput.addEventListener("input", lookUpFee);
  feeInput.addEventListener("input", () => {
    feeInput.dataset.typed = "1";
  });
  $("signature-clear").addEventListener("click", clearSignature);
  form.addEventListener("submit", submitScan);
  $("sync").addEventListener("click", () => sync(true));
  window.addEventListener("online", () => {
    updateNetwork();
    sync(false);
    loadStops();
  });
  window.addEventListener("offline", updateNetwork);
  setInterval(() => sync(false), 30000);
  clearSignature();
  renderStops(savedStops());
  updateFields();
  updateNetwork();
  saveQueue(loadQueue());
  sync(false);
  loadStops();
  // The service worker keeps this page and its files so a reload opens it offline. Browsers
  // allow one only on https or localhost: on a plain-http LAN address the queue still works.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
  }
})();
