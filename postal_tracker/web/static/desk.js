/* /desk: book a pickup through the API, show its number and label, hand parcels over with the
   postman (POST /api/v1/handovers, all or nothing), keep the lists fresh. */
"use strict";

(() => {
  const { t, uuid, api, show } = PT;
  const form = document.getElementById("booking");
  const formError = document.getElementById("form-error");
  const bookButton = document.getElementById("book-button");
  const docRows = document.getElementById("doc-rows");
  const docTemplate = document.getElementById("doc-row");
  const booked = document.getElementById("booked");
  const lists = document.getElementById("desk-lists");
  const listMessage = document.getElementById("list-message");
  const FIELDS = ["full_name", "phone", "id_number", "hamlet_code", "detail", "procedure_code", "note", "documents",
    "requested_date", "delivery_address"];
  // What the clerk typed survives an expired session (the way back from /login reloads the page).
  const DRAFT_KEY = "pt_booking_draft";
  const feeOut = document.getElementById("booking-fee");
  const deliveryFields = document.getElementById("delivery-fields");
  // One key per filled-in form: a double click or a retry after a lost answer books once.
  let idempotencyKey = uuid();
  let handoverKey = uuid();

  function addDocRow() {
    const row = docTemplate.content.firstElementChild.cloneNode(true);
    docRows.appendChild(row);
    return row;
  }

  function clearErrors() {
    show(formError, false);
    for (const field of FIELDS) {
      const err = document.getElementById(`err-${field}`);
      err.textContent = "";
      show(err, false);
      const input = form.elements[field];
      if (input && input.removeAttribute) input.removeAttribute("aria-invalid");
    }
  }

  /** `applicant.full_name` -> `full_name`, `address.detail` -> `detail`, `documents.0.kind` -> `documents`. */
  function formField(path) {
    const parts = String(path || "").split(".");
    return parts[0] === "applicant" || parts[0] === "address" ? parts[1] : parts[0];
  }

  function money(vnd) {
    return `${Number(vnd).toLocaleString("vi-VN")} đ`;
  }

  function procedureFee() {
    const option = form.elements.procedure_code.selectedOptions[0];
    return option && option.value ? Number(option.dataset.fee || 0) : null;
  }

  function updateBookingForm() {
    const fee = procedureFee();
    feeOut.textContent = fee === null ? "—" : money(fee);
    show(deliveryFields, form.elements.separate_delivery.checked);
    const returnOnly = form.elements.return_only.checked;
    form.elements.return_by_post.disabled = returnOnly;
    form.elements.requested_date.disabled = returnOnly;
  }

  function saveDraft() {
    const draft = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "submit" || el.type === "button") continue;
      if (el.name.startsWith("doc_")) continue;
      draft[el.name] = el.type === "checkbox" ? el.checked : el.value;
    }
    draft.documents = Array.from(docRows.querySelectorAll(".doc-row"), (row) => ({
      name: row.querySelector("[name=doc_name]").value,
      kind: row.querySelector("[name=doc_kind]").value,
      pages: row.querySelector("[name=doc_pages]").value,
    }));
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch (e) {
      draft = null;
    }
    if (!draft) return false;
    for (const [name, value] of Object.entries(draft)) {
      const el = form.elements[name];
      if (!el || name === "documents" || !el.type) continue;
      if (el.type === "checkbox") el.checked = Boolean(value);
      else el.value = value;
    }
    for (const doc of draft.documents || []) {
      const row = addDocRow();
      row.querySelector("[name=doc_name]").value = doc.name || "";
      row.querySelector("[name=doc_kind]").value = doc.kind || "original";
      row.querySelector("[name=doc_pages]").value = doc.pages || "";
    }
    return true;
  }

  /** Show the friendly message of a field the server refused; false when the form has no such field. */
  function bookingBody() {
    const value = (name) => form.elements[name].value.trim();
    const applicant = { full_name: value("full_name"), phone: value("phone") };
    if (value("id_number")) applicant.id_number = value("id_number");
    const body = {
      applicant,
      address: { hamlet_code: value("hamlet_code"), detail: value("detail") },
      procedure_code: value("procedure_code"),
    };
    if (value("note")) body.note = value("note");
    if (form.elements.return_only.checked) return body; // POST /returns: no pickup, no documents
    body.return_by_post = form.elements.return_by_post.checked;
    body.documents = [];
    if (value("requested_date")) body.requested_date = value("requested_date");
    if (form.elements.separate_delivery.checked) {
      body.delivery_address = { hamlet_code: value("delivery_hamlet_code"), detail: value("delivery_detail") };
    }
    for (const row of docRows.querySelectorAll(".doc-row")) {
      const name = row.querySelector("[name=doc_name]").value.trim();
      if (!name) continue;
      const item = { name, kind: row.querySelector("[name=doc_kind]").value };
      const pages = row.querySelector("[name=doc_pages]").value.trim();
      if (pages) item.pages = /^\d+$/.test(pages) ? Number(pages) : pages;
      body.documents.push(item);
    }
    return body;
  }

  function showBooked(title, number, labelUrl, receiptUrl, facts) {
    booked.querySelector("p").textContent = title;
    show(document.getElementById("booked-facts"), Boolean(facts));
    if (facts) {
      document.getElementById("booked-name").textContent = facts.name;
      document.getElementById("booked-hamlet").textContent = facts.hamlet;
      document.getElementById("booked-fee").textContent = money(facts.fee);
    }
    document.getElementById("booked-no").textContent = number;
    document.getElementById("label-link").href = labelUrl;
    const receipt = document.getElementById("receipt-link");
    show(receipt, Boolean(receiptUrl));
    if (receiptUrl) receipt.href = receiptUrl;
    show(document.getElementById("side-hint"), false);
    show(booked, true);
    booked.focus();
  }

  function message(text, isError) {
    listMessage.textContent = text;
    listMessage.classList.toggle("error", Boolean(isError));
    show(listMessage, Boolean(text));
  }

  function toLogin() {
    saveDraft();
    window.location.href = "/login?next=/desk";
  }

  async function refreshLists() {
    try {
      const response = await fetch("/desk/lists", { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.status === 401) return toLogin();
      // Rendered (and escaped) by the server from the same template as the page.
      if (response.ok) lists.innerHTML = await response.text();
    } catch (e) {
      message(t("err_network"), true);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    bookButton.disabled = true;
    bookButton.textContent = t("booking");
    try {
      const returnOnly = form.elements.return_only.checked;
      const url = returnOnly ? "/api/v1/returns" : "/api/v1/pickups";
      const answer = await api("POST", url, bookingBody(), { "Idempotency-Key": idempotencyKey });
      if (answer.status === 201) {
        const booking = answer.body;
        const postman = form.elements.postman_id.value;
        const hamlet = form.elements.hamlet_code.selectedOptions[0].textContent;
        const facts = { name: form.elements.full_name.value.trim(), hamlet, fee: procedureFee() || 0 };
        if (postman) {
          await api("PATCH", `/api/v1/shipments/${booking.shipment.tracking_no}`, { postman_id: Number(postman) });
        }
        form.reset();
        sessionStorage.removeItem(DRAFT_KEY);
        docRows.replaceChildren();
        addDocRow();
        updateBookingForm();
        idempotencyKey = uuid();
        const labelUrl = booking.label_url || booking.shipment.label_url;
        showBooked(t(returnOnly ? "return_booked" : "booked_ok"), booking.shipment.tracking_no, labelUrl,
          booking.receipt_url, facts);
        refreshLists();
        return;
      }
      if (answer.status === 401) return toLogin();
      const problem = answer.body || {};
      let marked = false;
      for (const err of problem.errors || []) marked = PT.markField(form, formField(err.field)) || marked;
      PT.showFormError(form, formError, marked ? t("form_has_errors") : PT.problemText(answer.status));
    } catch (e) {
      formError.textContent = t("err_network");
      show(formError, true);
    } finally {
      bookButton.disabled = false;
      bookButton.textContent = t("book_button");
    }
  });

  docRows.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove-doc");
    if (remove) remove.closest(".doc-row").remove();
  });
  document.getElementById("add-doc").addEventListener("click", () => addDocRow().querySelector("input").focus());
  document.getElementById("refresh").addEventListener("click", () => {
    message("");
    refreshLists();
  });

  /** "Xem thêm": the next rows of a day list, appended to it (a row already shown, pushed down
      by a parcel that moved since, is not repeated). */
  async function showMore(button) {
    const list = button.dataset.list;
    const offset = Number(button.dataset.offset);
    const response = await fetch(`/desk/lists?list=${encodeURIComponent(list)}&offset=${offset}`, {
      credentials: "same-origin", headers: { Accept: "text/html" },
    });
    if (response.status === 401) return toLogin();
    if (!response.ok) {
      message(PT.problemText(response.status), true);
      button.disabled = false;
      return;
    }
    // Rendered (and escaped) by the server from the same rows as the page; a <template> parses
    // table rows out of their table.
    const holder = document.createElement("template");
    holder.innerHTML = await response.text();
    const body = lists.querySelector(`[data-list-body="${list}"]`);
    const shown = new Set(Array.from(body.rows, (row) => row.dataset.no));
    const rows = Array.from(holder.content.querySelectorAll("tr"));
    body.append(...rows.filter((row) => !shown.has(row.dataset.no)));
    body.dataset.more = "loaded";
    const next = offset + rows.length;
    const total = Number(button.dataset.total);
    button.dataset.offset = String(next);
    button.parentElement.querySelector("[data-more-count]").textContent =
      t("shown_of", { n: Math.min(next, total), total });
    const done = !rows.length || next >= total;
    show(button.parentElement, !done);
    button.disabled = false;
    // The button goes away after the last page: focus moves to the first new row, not to nowhere.
    const first = rows.find((row) => row.isConnected);
    if (done && first) first.querySelector("a, input, button").focus();
  }

  lists.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    button.disabled = true;
    if (button.dataset.action === "more") {
      try {
        await showMore(button);
      } catch (e) {
        message(t("err_network"), true);
        button.disabled = false;
      }
      return;
    }
    message("");
    try {
      if (button.dataset.action === "book-return") {
        const answer = await api("POST", `/api/v1/dossiers/${button.dataset.dossier}/return`, undefined, { "Idempotency-Key": uuid() });
        if (answer.status === 401) return toLogin();
        if (answer.status === 201) {
          const shipment = answer.body.shipment;
          showBooked(t("return_booked"), shipment.tracking_no, shipment.label_url, null);
        } else {
          message(answer.status === 409 ? t("err_return_exists") : PT.problemText(answer.status), true);
        }
      } else if (button.dataset.action === "resolve" || button.dataset.action === "rescan") {
        // A refused scan is fixed (scanned again as corrected) or dismissed, with the clerk's note.
        const cell = button.closest(".fix");
        const note = cell.querySelector("[name=fix_note]").value.trim();
        const fixError = cell.querySelector("[data-fix-error]");
        if (button.dataset.action === "rescan") {
          const number = PT.trackingNumber(cell.querySelector("[name=fix_no]").value);
          if (!number) {
            fixError.textContent = t("err_bad_number");
            show(fixError, true);
            button.disabled = false;
            return;
          }
          const scan = { scan_id: uuid(), tracking_no: number, event: cell.querySelector("[name=fix_event]").value, at: PT.nowIso() };
          for (const [key, field] of [["reason", "reason"], ["recipient", "recipient_name"], ["note", "note"]]) {
            if (cell.dataset[key]) scan[field] = cell.dataset[key];
          }
          const answer = await api("POST", "/api/v1/scans", scan);
          if (answer.status === 401) return toLogin();
          if (answer.status !== 201) {
            fixError.textContent = answer.status === 409 ? t("fix_still_refused") : PT.problemText(answer.status);
            show(fixError, true);
            button.disabled = false;
            return;
          }
        }
        const resolution = { note: note || t(button.dataset.action === "rescan" ? "fix_note_rescanned" : "fix_note_dismissed") };
        const answer = await api("POST", `/api/v1/scans/exceptions/${button.dataset.exception}/resolve`, resolution);
        if (answer.status === 401) return toLogin();
        if (answer.status !== 200) message(PT.problemText(answer.status), true);
      }
      await refreshLists();
    } catch (e) {
      message(t("err_network"), true);
      button.disabled = false;
    }
  });

  // --- Hand-over with the postman: many numbers at once, all recorded or none. -----------------
  const handover = document.getElementById("handover");
  const handoverNos = document.getElementById("handover_nos");
  const handoverCount = document.getElementById("handover-count");
  const handoverButton = document.getElementById("handover-button");
  const handoverResult = document.getElementById("handover-result");
  const handoverMessage = document.getElementById("handover-message");
  const handoverProblems = document.getElementById("handover-problems");
  const handoverDrop = document.getElementById("handover-drop");
  const handoverPrint = document.getElementById("handover-print");
  let refusedNumbers = [];

  /** The typed or scanned lines, once each (a label scanned twice is one parcel). */
  function handoverLines() {
    const seen = new Set();
    const lines = [];
    for (const raw of handoverNos.value.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const key = PT.trackingNumber(line) || line.toUpperCase();
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(line);
    }
    return lines;
  }

  function countHandover() {
    const lines = handoverLines();
    const bad = lines.filter((line) => !PT.trackingNumber(line)).length;
    handoverCount.textContent = !lines.length ? "" : bad ? t("handover_count_bad", { n: lines.length, bad }) : t("handover_count", { n: lines.length });
    handoverCount.classList.toggle("error", bad > 0);
  }

  /** One refused number, in the clerk's words. */
  function handoverProblem(problem) {
    if (problem.status === 404) return t("problem_404");
    if (problem.status === 409 && problem.current_status) {
      return t("handover_wrong_status", { status: t(`status.${problem.current_status}`) });
    }
    if (problem.status === 422) return t("handover_bad_number");
    return PT.problemText(problem.status);
  }

  function showHandover(text, isError, problems, pdfUrl) {
    handoverMessage.textContent = text;
    handoverMessage.classList.toggle("error", Boolean(isError));
    handoverMessage.classList.toggle("ok", !isError);
    handoverProblems.replaceChildren();
    refusedNumbers = [];
    for (const problem of problems || []) {
      const item = document.createElement("li");
      const number = document.createElement("span");
      number.className = "mono";
      number.textContent = PT.trackingNumber(problem.tracking_no) || problem.tracking_no;
      const why = document.createElement("span");
      why.textContent = handoverProblem(problem);
      item.append(number, why);
      handoverProblems.appendChild(item);
      refusedNumbers.push(problem.tracking_no);
    }
    show(handoverProblems, refusedNumbers.length > 0);
    show(handoverDrop, refusedNumbers.length > 0);
    show(handoverPrint, Boolean(pdfUrl));
    if (pdfUrl) document.getElementById("handover-pdf").href = pdfUrl;
    show(handoverResult, true);
    handoverResult.focus();
  }

  handoverNos.addEventListener("input", countHandover);
  handoverDrop.addEventListener("click", () => {
    const drop = new Set(refusedNumbers.map((n) => PT.trackingNumber(n) || n.trim().toUpperCase()));
    handoverNos.value = handoverLines()
      .filter((line) => !drop.has(PT.trackingNumber(line) || line.toUpperCase()))
      .map((line) => (PT.trackingNumber(line) || line) + "\n")
      .join("");
    countHandover();
    show(handoverResult, false);
    handoverNos.focus();
  });

  handover.addEventListener("submit", async (event) => {
    event.preventDefault();
    const trackingNos = handoverLines();
    const direction = handover.elements.direction.value;
    if (!trackingNos.length) {
      showHandover(t("err_need_number"), true);
      handoverNos.focus();
      return;
    }
    handoverButton.disabled = true;
    handoverButton.textContent = t("booking");
    try {
      const answer = await api("POST", "/api/v1/handovers", { direction, tracking_nos: trackingNos }, { "Idempotency-Key": handoverKey });
      // An answer came back: the next hand-over is a new one. After a network error the key is
      // kept, so pressing again cannot record the same hand-over twice.
      handoverKey = uuid();
      if (answer.status === 401) return toLogin();
      const body = answer.body || {};
      if (answer.status === 201) {
        handoverNos.value = "";
        countHandover();
        showHandover(t(`handover_ok_${direction}`, { n: body.count }), false, [], `/api/v1/handovers/${body.handover_id}.pdf`);
        refreshLists();
      } else if (answer.status === 422 && Array.isArray(body.problems)) {
        showHandover(t("handover_refused", { n: body.problems.length }), true, body.problems);
      } else {
        showHandover(PT.problemText(answer.status), true);
      }
    } catch (e) {
      showHandover(t("err_network"), true);
    } finally {
      handoverButton.disabled = false;
      handoverButton.textContent = t("handover_button");
    }
  });

  if (!restoreDraft()) addDocRow();
  updateBookingForm();
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", () => {
    updateBookingForm();
    saveDraft();
  });
  // Postmen scan all day: keep the lists current while the page is in front of the clerk.
  setInterval(() => {
    // Not while parcels are ticked for an A4 sheet (a refresh would untick them), nor once more
    // rows were asked for (it would take them away again).
    const busy = lists.querySelector("input.pick:checked, [data-list-body][data-more]");
    if (document.visibilityState === "visible" && !busy) refreshLists();
  }, 60000);
})();
