/* /desk/parcels/{no}: cancel a booking before pickup (a `cancelled` scan with its reason). */
"use strict";

(() => {
  const { t, uuid, nowIso, api, show } = PT;
  const form = document.getElementById("cancel-form");
  if (!form) return;
  const error = document.getElementById("cancel-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value;
    const note = form.elements.note.value.trim();
    const fail = (key, field) => {
      error.textContent = t(key);
      show(error, true);
      if (field) field.focus();
    };
    if (!reason) return fail("err_need_reason", form.elements.reason);
    if (reason === "other" && !note) return fail("err_need_note", form.elements.note);
    const scan = { scan_id: uuid(), tracking_no: form.dataset.number, event: "cancelled", at: nowIso(), reason };
    if (note) scan.note = note;
    try {
      const answer = await api("POST", "/api/v1/scans", scan);
      if (answer.status === 401) {
        window.location.href = `/login?next=${encodeURIComponent(window.location.pathname)}`;
      } else if (answer.status === 201) {
        window.location.reload();
      } else {
        fail(answer.status === 409 ? "err_cancel_late" : "err_invalid_field");
      }
    } catch (e) {
      fail("err_network");
    }
  });
})();
