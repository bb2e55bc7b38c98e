/* /desk/parcels/{no}: correct the citizen's contact and address before pickup
   (PATCH /api/v1/shipments/{no}), and cancel a booking (a `cancelled` scan with its reason). */
"use strict";

(() => {
  const { t, uuid, nowIso, api, show } = PT;
  const SAVED_KEY = "pt_parcel_saved";
  const toLogin = () => {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname)}`;
  };

  // --- Correction of the contact and address: errors next to their field, what was typed kept. -
  const edit = document.getElementById("edit-form");
  const saved = document.getElementById("edit-saved");
  if (sessionStorage.getItem(SAVED_KEY) === window.location.pathname) {
    sessionStorage.removeItem(SAVED_KEY);
    show(saved, true);
  }
  if (edit) {
    const EDIT_FIELDS = ["full_name", "phone", "hamlet_code", "detail", "note"];
    const editError = document.getElementById("edit-error");
    const editButton = document.getElementById("edit-button");

    const clearEditErrors = () => {
      show(editError, false);
      for (const field of EDIT_FIELDS) {
        const err = document.getElementById(`edit-err-${field}`);
        err.textContent = "";
        show(err, false);
        edit.elements[field].removeAttribute("aria-invalid");
      }
    };

    edit.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearEditErrors();
      const body = {};
      for (const field of EDIT_FIELDS) body[field] = edit.elements[field].value.trim();
      editButton.disabled = true;
      try {
        const answer = await api("PATCH", `/api/v1/shipments/${edit.dataset.number}`, body);
        if (answer.status === 401) return toLogin();
        if (answer.status === 200) {
          sessionStorage.setItem(SAVED_KEY, window.location.pathname);
          window.location.reload();
          return;
        }
        let marked = false;
        for (const err of (answer.body && answer.body.errors) || []) {
          // `applicant.full_name` -> `full_name`, whose message slot is `edit-err-full_name`.
          marked = PT.markField(edit, String(err.field || "").split(".").pop(), "edit-err-") || marked;
        }
        const late = answer.status === 409 ? t("err_edit_late") : PT.problemText(answer.status);
        PT.showFormError(edit, editError, marked ? t("edit_has_errors") : late);
      } catch (e) {
        editError.textContent = t("err_network");
        show(editError, true);
      } finally {
        editButton.disabled = false;
      }
    });
  }

  // --- Cancel before pickup. ----------------------------------------------------------------------
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
        toLogin();
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
