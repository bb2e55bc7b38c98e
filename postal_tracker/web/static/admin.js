/* /admin/users, /admin/hamlets, /admin/communes: every change goes to the JSON API with the
   session cookie; the page then reloads to show what the server now holds. A refusal is shown
   next to its field in the page's words (from the status and the field the API names, never
   its English `detail`), and what was typed stays in the form. */
"use strict";

(() => {
  const { t, api, show } = PT;
  const FLASH_KEY = "pt_admin_flash";
  const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
  const USERNAME = /^[A-Za-z0-9_.-]{2,64}$/;

  // What the last change did, shown once after the reload that follows it.
  const message = document.getElementById("admin-message");
  const flashed = sessionStorage.getItem(FLASH_KEY);
  if (flashed && message) {
    sessionStorage.removeItem(FLASH_KEY);
    message.textContent = flashed;
    show(message, true);
    message.focus();
  }

  /** Before a change: the last change's message goes, so that it cannot be read as this one's. */
  function starting() {
    if (!message) return;
    message.textContent = "";
    show(message, false);
  }

  function reloadWith(text) {
    sessionStorage.setItem(FLASH_KEY, text);
    window.location.reload();
  }

  function toLogin() {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
  }

  /** `name` -> `name`, `hamlets.0.code` -> `hamlets`: the form field an API error names. */
  function problemField(path) {
    return String(path || "").split(".")[0];
  }

  /** A number typed with a comma or a dot; anything else is sent as typed, for the API to refuse. */
  function decimal(raw) {
    const value = raw.trim().replace(",", ".");
    const number = Number(value);
    return value === "" || Number.isNaN(number) ? value : number;
  }

  /** The query string that names the admin's commune (`?commune=`), empty for a supervisor. */
  function communeQuery(code) {
    return code ? `?commune=${encodeURIComponent(code)}` : "";
  }

  /**
   * A form that sends one request. `build(form)` returns {body} or {field, key} for a mistake
   * seen before sending; `explain(status, field)` names the string for an API refusal.
   */
  function apiForm(form, { method, url, build, explain, done }) {
    const formError = document.getElementById(`${form.id}-error`);
    const marked = [];

    function clear() {
      show(formError, false);
      for (const [input, error] of marked.splice(0)) {
        input.removeAttribute("aria-invalid");
        error.textContent = "";
        show(error, false);
      }
    }

    function mark(field, key) {
      const input = form.elements[field];
      const error = document.getElementById(`err-${field}`);
      if (!input || !error || !key) return false;
      input.setAttribute("aria-invalid", "true");
      error.textContent = t(key);
      show(error, true);
      if (!marked.length) input.focus();
      marked.push([input, error]);
      return true;
    }

    function fail(text) {
      formError.textContent = text;
      show(formError, true);
      formError.focus();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear();
      starting();
      const built = build(form);
      if (built.field) return mark(built.field, built.key);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const answer = await api(method, url(form), built.body);
        if (answer.status === 401) return toLogin();
        if (answer.status === 200 || answer.status === 201) return reloadWith(done(answer.body));
        const problem = answer.body || {};
        let found = false;
        for (const err of problem.errors || []) found = mark(problemField(err.field), explain(answer.status, problemField(err.field))) || found;
        if (!found) fail(answer.status === 403 ? t("err_forbidden") : PT.problemText(answer.status));
      } catch (e) {
        fail(t("err_network"));
      } finally {
        button.disabled = false;
      }
    });
  }

  /** A change on one row of a table (PATCH), with its refusal shown in the row. */
  async function patchRow(row, url, body, explain) {
    const error = row.querySelector("[data-row-error]");
    show(error, false);
    starting();
    try {
      const answer = await api("PATCH", url, body);
      if (answer.status === 401) return toLogin();
      if (answer.status === 200) return reloadWith(t("admin_saved"));
      const fields = ((answer.body || {}).errors || []).map((e) => problemField(e.field));
      const key = fields.map((f) => explain(answer.status, f)).find(Boolean);
      error.textContent = key ? t(key) : answer.status === 403 ? t("err_forbidden") : PT.problemText(answer.status);
    } catch (e) {
      error.textContent = t("err_network");
    }
    show(error, true);
  }

  // ---- /admin/users ----
  const USER_ERRORS = {
    username: "admin_err_username", full_name: "admin_err_full_name", role: "admin_err_role",
    password: "admin_err_password", active: "admin_err_self",
  };
  function explainUser(status, field) {
    if (status === 409 && field === "username") return "admin_err_username_taken";
    return USER_ERRORS[field];
  }

  const addUser = document.getElementById("add-user");
  if (addUser) {
    apiForm(addUser, {
      method: "POST",
      url: () => "/api/v1/users",
      build: (form) => {
        const username = form.elements.username.value.trim();
        if (!USERNAME.test(username)) return { field: "username", key: "admin_err_username" };
        if (!form.elements.role.value) return { field: "role", key: "admin_err_role" };
        const body = {
          username, full_name: form.elements.full_name.value.trim(), role: form.elements.role.value,
          password: form.elements.password.value,
        };
        if (form.dataset.commune) body.commune = form.dataset.commune;
        return { body };
      },
      explain: explainUser,
      done: (user) => t("admin_user_added", { name: user.username }),
    });
  }

  for (const row of document.querySelectorAll("[data-testid=user-row]")) {
    const url = `/api/v1/users/${row.dataset.userId}`;
    const roleButton = row.querySelector("[data-action=role]");
    if (roleButton) roleButton.addEventListener("click", () => patchRow(row, url, { role: row.querySelector("select[name=role]").value }, explainUser));
    const activeButton = row.querySelector("[data-action=active]");
    if (activeButton) activeButton.addEventListener("click", () => patchRow(row, url, { active: activeButton.dataset.active === "true" }, explainUser));
    const passwordForm = row.querySelector("form[data-action=password]");
    if (passwordForm) {
      passwordForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const input = passwordForm.elements.new_password;
        patchRow(row, url, { password: input.value }, explainUser);
      });
    }
  }

  // ---- /admin/hamlets ----
  const HAMLET_ERRORS = { code: "admin_err_hamlet_code_taken", name: "admin_err_name", lat: "admin_err_lat", lon: "admin_err_lon" };
  const explainHamlet = (status, field) => HAMLET_ERRORS[field];

  const addHamlet = document.getElementById("add-hamlet");
  if (addHamlet) {
    apiForm(addHamlet, {
      method: "POST",
      url: () => "/api/v1/hamlets",
      build: (form) => {
        const code = form.elements.code.value.trim();
        if (!CODE.test(code)) return { field: "code", key: "admin_err_code" };
        const name = form.elements.name.value.trim();
        if (!name) return { field: "name", key: "admin_err_name" };
        const body = { code, name, lat: decimal(form.elements.lat.value), lon: decimal(form.elements.lon.value) };
        if (form.dataset.commune) body.commune = form.dataset.commune;
        return { body };
      },
      explain: explainHamlet,
      done: (hamlet) => t("admin_hamlet_added", { name: hamlet.name }),
    });
  }

  const hamletTable = document.querySelector("[data-testid=hamlets]");
  for (const row of document.querySelectorAll("[data-testid=hamlet-row]")) {
    const url = `/api/v1/hamlets/${encodeURIComponent(row.dataset.code)}${communeQuery(hamletTable.dataset.commune)}`;
    const rename = row.querySelector("form[data-action=rename]");
    rename.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = rename.elements.name.value.trim();
      if (!name) {
        const error = row.querySelector("[data-row-error]");
        error.textContent = t("admin_err_name");
        show(error, true);
        return;
      }
      patchRow(row, url, { name }, explainHamlet);
    });
    const activeButton = row.querySelector("[data-action=active]");
    activeButton.addEventListener("click", () => patchRow(row, url, { active: activeButton.dataset.active === "true" }, explainHamlet));
  }

  // ---- /admin/communes ----
  const COMMUNE_ERRORS = {
    code: "admin_err_code", name: "admin_err_name", province: "admin_err_province", district: "admin_err_district",
    post_office_lat: "admin_err_lat", post_office_lon: "admin_err_lon",
  };
  const addCommune = document.getElementById("add-commune");
  if (addCommune) {
    apiForm(addCommune, {
      method: "POST",
      url: () => "/api/v1/communes",
      build: (form) => {
        const code = form.elements.code.value.trim();
        if (!CODE.test(code)) return { field: "code", key: "admin_err_code" };
        const body = {
          code, name: form.elements.name.value.trim(), province: form.elements.province.value.trim(),
          post_office_lat: decimal(form.elements.post_office_lat.value), post_office_lon: decimal(form.elements.post_office_lon.value),
        };
        if (!body.name) return { field: "name", key: "admin_err_name" };
        if (!body.province) return { field: "province", key: "admin_err_province" };
        const district = form.elements.district.value.trim();
        if (district) body.district = district;
        return { body };
      },
      explain: (status, field) => (status === 409 && field === "code" ? "admin_err_commune_code_taken" : COMMUNE_ERRORS[field]),
      done: (commune) => t("admin_commune_added", { name: commune.name }),
    });
  }

  const merge = document.getElementById("merge");
  if (merge) {
    const confirmBox = document.getElementById("merge-confirm");
    const question = document.getElementById("merge-question");
    const mergeError = document.getElementById("merge-error");
    const errors = { from: document.getElementById("err-from"), into: document.getElementById("err-into") };
    const chosen = (select) => select.selectedOptions[0];

    function clearMerge() {
      show(mergeError, false);
      for (const [field, error] of Object.entries(errors)) {
        show(error, false);
        merge.elements[field].removeAttribute("aria-invalid");
      }
    }
    function markMerge(field, key) {
      merge.elements[field].setAttribute("aria-invalid", "true");
      errors[field].textContent = t(key);
      show(errors[field], true);
      merge.elements[field].focus();
    }

    merge.addEventListener("submit", (event) => {
      event.preventDefault();
      clearMerge();
      show(confirmBox, false);
      const from = merge.elements.from.value;
      const into = merge.elements.into.value;
      if (!from) return markMerge("from", "admin_err_merge_from");
      if (!into) return markMerge("into", "admin_err_merge_into");
      if (from === into) return markMerge("into", "admin_err_merge_same");
      question.textContent = t("admin_merge_confirm", { from: chosen(merge.elements.from).dataset.name, into: chosen(merge.elements.into).dataset.name });
      show(confirmBox, true);
      document.getElementById("merge-yes").focus();
    });
    document.getElementById("merge-no").addEventListener("click", () => {
      show(confirmBox, false);
      merge.elements.from.focus();
    });
    document.getElementById("merge-yes").addEventListener("click", async () => {
      const from = chosen(merge.elements.from);
      const into = chosen(merge.elements.into);
      show(confirmBox, false);
      starting();
      try {
        const answer = await api("POST", `/api/v1/communes/${encodeURIComponent(from.value)}/merge`, { into: into.value });
        if (answer.status === 401) return toLogin();
        if (answer.status === 200) return reloadWith(t("admin_merged", { from: from.dataset.name, into: into.dataset.name }));
        const fields = ((answer.body || {}).errors || []).map((e) => problemField(e.field));
        if (fields.includes("into")) return markMerge("into", "admin_err_merge_into");
        if (fields.includes("hamlets")) mergeError.textContent = t("admin_err_merge_hamlets");
        else if (answer.status === 409) mergeError.textContent = t("admin_err_merge_done");
        else mergeError.textContent = PT.problemText(answer.status);
      } catch (e) {
        mergeError.textContent = t("err_network");
      }
      show(mergeError, true);
    });
  }
})();
