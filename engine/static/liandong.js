/* Liandong screens: progressive enhancement only. Every page works without
   this file (spare subform rows, plain selects, submit buttons); with it:
   - subform rows can be added, removed and reordered;
   - the record form is posted to the server preview on every change, and the
     computed values it answers (formulas, fill_from, totals) are shown: the
     formulas run on the server only, there is no copy of them here;
   - link pickers over large tables search on the server;
   - small conveniences (auto-submitting language switch, print, confirm). */
(function () {
  "use strict";
  var ROW_NAME = /^([a-z][a-z0-9_]*)-(\d+|__index__)-/;

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  /* ------------------------------------------------------------ subforms */
  function renumber(fieldset) {
    var sub = fieldset.getAttribute("data-subform");
    all(fieldset, "tbody[data-rows] > tr[data-row]").forEach(function (row, index) {
      all(row, "[name], [id], [aria-describedby], [data-error-for]").forEach(function (el) {
        ["name", "id", "aria-describedby", "data-error-for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (!value) { return; }
          var prefixed = attr === "id" || attr === "aria-describedby" ? "f-" : "";
          var bare = prefixed && value.indexOf("f-") === 0 ? value.slice(2) : value;
          var match = ROW_NAME.exec(bare);
          if (match && match[1] === sub) {
            el.setAttribute(attr, prefixed + sub + "-" + index + "-" + bare.slice(match[0].length));
          }
        });
      });
      var num = row.querySelector("[data-rownum]");
      if (num) { num.textContent = String(index + 1); }
    });
  }

  function enhanceSubform(fieldset, schedulePreview) {
    var body = fieldset.querySelector("tbody[data-rows]");
    var template = fieldset.querySelector("template[data-row-template]");
    var add = fieldset.querySelector("[data-add-row]");
    if (!body || !template || !add) { return; }
    all(fieldset, "[data-add-row], [data-move], [data-remove-row]").forEach(function (b) { b.hidden = false; });
    add.addEventListener("click", function () {
      var fragment = template.content.cloneNode(true);
      all(fragment, "[data-move], [data-remove-row]").forEach(function (b) { b.hidden = false; });
      body.appendChild(fragment);
      renumber(fieldset);
      var rows = body.querySelectorAll("tr[data-row]");
      var first = rows[rows.length - 1].querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
    body.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !body.contains(button)) { return; }
      var row = button.closest("tr[data-row]");
      if (button.hasAttribute("data-remove-row")) {
        row.parentNode.removeChild(row);
      } else if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
        body.insertBefore(row, row.previousElementSibling);
      } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
        body.insertBefore(row.nextElementSibling, row);
      } else {
        return;
      }
      renumber(fieldset);
      schedulePreview();
    });
  }

  /* ------------------------------------------------------- live preview */
  function setOutput(scope, name, cell) {
    all(scope, '[data-output="' + name + '"]').forEach(function (out) {
      if (!out.querySelector("a")) { out.textContent = cell.text; }
    });
    all(scope, '[data-field="' + name + '"][data-fill-from]').forEach(function (input) {
      if (input.value === "" && cell.value !== "" && document.activeElement !== input) { input.value = cell.value; }
    });
  }

  function showErrors(form, errors) {
    all(form, "[data-error-for]").forEach(function (box) {
      var input = form.querySelector('[name="' + box.getAttribute("data-error-for") + '"]');
      if (!input || box.getAttribute("data-live-error") !== "1") { return; }
      box.textContent = ""; box.classList.remove("d-block"); box.removeAttribute("data-live-error");
      input.classList.remove("is-invalid");
    });
    Object.keys(errors || {}).forEach(function (path) {
      var name = path.replace(/\[(\d+)\]\./g, "-$1-");
      var input = form.querySelector('[name="' + name + '"]');
      var box = form.querySelector('[data-error-for="' + name + '"]');
      if (!input || !box) { return; }   // errors of computed outputs wait for the save
      box.textContent = errors[path].join("; ");
      box.classList.add("d-block"); box.setAttribute("data-live-error", "1");
      input.classList.add("is-invalid");
    });
  }

  function applyPreview(form, data) {
    var scalars = form.querySelector("[data-scalar-fields]");
    Object.keys(data.fields || {}).forEach(function (name) {
      if (scalars) { setOutput(scalars, name, data.fields[name]); }
    });
    Object.keys(data.rows || {}).forEach(function (sub) {
      var fieldset = form.querySelector('fieldset[data-subform="' + sub + '"]');
      if (!fieldset) { return; }
      var rows = fieldset.querySelectorAll("tbody[data-rows] > tr[data-row]");
      Object.keys(data.rows[sub]).forEach(function (index) {
        var row = rows[Number(index)];
        if (!row) { return; }
        Object.keys(data.rows[sub][index]).forEach(function (cell) { setOutput(row, cell, data.rows[sub][index][cell]); });
      });
    });
    showErrors(form, data.errors);
  }

  function enhanceRecordForm(form) {
    var url = form.getAttribute("data-preview-url");
    var status = form.querySelector("[data-preview-status]");
    var pending = null;
    function preview() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      if (status) { status.classList.add("busy"); }
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                   headers: { "X-Requested-With": "fetch", "Accept": "application/json" }, signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) { applyPreview(form, data); form.setAttribute("data-preview-done", String(Date.now())); }
        })
        .catch(function () { /* aborted by a newer preview, or offline: the save still checks */ })
        .finally(function () { if (status) { status.classList.remove("busy"); } });
    }
    var schedule = debounce(preview, 250);
    all(form, "fieldset[data-subform]").forEach(function (fs) { enhanceSubform(fs, schedule); });
    form.addEventListener("change", function (event) {
      var target = event.target;
      var field = target.getAttribute("data-field");
      if (field && target.tagName === "SELECT") {      // a link changed: its fill_from fields refill
        var scope = target.closest("tr[data-row]") || form.querySelector("[data-scalar-fields]");
        all(scope, '[data-fill-from="' + field + '"]').forEach(function (input) { input.value = ""; });
      }
      schedule();
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=number], input[type=text]")) { schedule(); }
    });
  }

  /* -------------------------------------------------------- link lookup */
  function enhanceLookup(select) {
    var url = select.getAttribute("data-lookup");
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = "…";
    search.setAttribute("aria-label", (select.getAttribute("aria-label") || "") + " search");
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", debounce(function () {
      fetch(url + "&q=" + encodeURIComponent(search.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          var current = select.value;
          all(select, "option").forEach(function (o) { if (o.value && o.value !== current) { o.remove(); } });
          data.items.forEach(function (item) {
            if (String(item.id) === current) { return; }
            var option = document.createElement("option");
            option.value = item.id; option.textContent = item.title;
            select.appendChild(option);
          });
        });
    }, 250));
  }

  /* --------------------------------------------------- import progress */
  // Polls the run's status; reloads the page (which shows the result) when done.
  function followImport(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("[data-import-bar]");
    var phases = {checking: box.getAttribute("data-phase-checking"), importing: box.getAttribute("data-phase-importing"),
                  saving: box.getAttribute("data-phase-saving")};
    // The width is set here, not in a style attribute, which the CSP refuses.
    bar.style.width = (bar.parentNode.getAttribute("aria-valuenow") || 0) + "%";
    function tick() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (run) {
          if (run.status === "done" || run.status === "failed") { window.location.reload(); return; }
          box.querySelector("[data-import-done]").textContent = run.done;
          box.querySelector("[data-import-total]").textContent = run.total || "…";
          if (phases[run.phase]) { box.querySelector("[data-import-phase]").textContent = phases[run.phase]; }
          bar.style.width = run.percent + "%";
          bar.parentNode.setAttribute("aria-valuenow", run.percent);
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 500);
  }

  /* ------------------------------------------------ warning confirmation */
  // The server answered "please confirm" (warning checks): the box it put in
  // the page becomes a modal dialog. Its buttons need no script: "Confirm"
  // submits the same request again with _confirm=1, "Cancel" just closes it.
  function openConfirmDialog(box) {
    if (!window.bootstrap || !window.bootstrap.Modal) { return; }     // the box stays in the page
    box.classList.remove("show", "d-block", "position-static", "h-auto", "mb-3");
    all(box, "[data-js-show]").forEach(function (el) { el.hidden = false; });
    document.body.appendChild(box);
    window.bootstrap.Modal.getOrCreateInstance(box).show();
  }

  /* ------------------------------------------------------------- misc */
  document.addEventListener("DOMContentLoaded", function () {
    all(document, "[data-js-hide]").forEach(function (el) { el.hidden = true; });
    all(document, "select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    all(document, "form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); } });
    });
    all(document, "[data-print]").forEach(function (b) { b.hidden = false; b.addEventListener("click", function () { window.print(); }); });
    all(document, "form[data-preview-url]").forEach(enhanceRecordForm);
    all(document, "[data-import-run]").forEach(followImport);
    all(document, "[data-confirm-dialog]").slice(0, 1).forEach(openConfirmDialog);
    all(document, "select[data-lookup]").forEach(enhanceLookup);
    all(document, "[data-add-condition]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var rows = button.parentNode.querySelectorAll("[data-condition]");
        var copy = rows[rows.length - 1].cloneNode(true);
        all(copy, "input").forEach(function (i) { i.value = ""; });
        all(copy, "select").forEach(function (s) { s.selectedIndex = 0; });
        button.parentNode.insertBefore(copy, button);
      });
    });
    all(document, ".is-invalid").slice(0, 1).forEach(function (el) { el.focus(); });
  });
}());
