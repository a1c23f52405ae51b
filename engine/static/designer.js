/* The designer: progressive enhancement of plain form posts (every page works
   without this file). With it:
   - each change of a control (data-path) is sent at once as a small JSON patch
     to the draft endpoint, which answers the validation errors with their JSON
     paths; each error is shown next to the control owning its path (or the
     nearest enclosing element that has a data-path);
   - rows reorder by drag and drop (the ↑ ↓ buttons stay for the keyboard);
   - the formula field picker inserts a field name;
   - the preview frame reloads after each saved change, and rule sentences
     follow the rule being edited. */
(function () {
  "use strict";

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function valueOf(control, form) {
    var kind = control.getAttribute("data-kind") || "text";
    var path = control.getAttribute("data-path");
    if (kind === "list" || kind === "names") {
      var chosen = all(document, '[data-path="' + cssEscape(path) + '"]').filter(function (c) { return c.checked; })
        .map(function (c) { return c.value; });
      if (kind === "names" && chosen.length === 1) { return chosen[0]; }
      return chosen.length ? chosen : null;
    }
    if (kind === "bool") { return control.checked ? true : null; }
    if (kind === "bool!") { return control.checked; }
    if (kind === "bool~") { return control.checked ? null : false; }   // true by default: ticked leaves it out
    var raw = control.value.trim();
    if (raw === "") { return null; }
    if (kind === "int" || kind === "number") {
      var number = Number(raw);
      return isNaN(number) ? raw : number;
    }
    if (kind === "csv") { return raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean); }
    if (kind === "json") { try { return JSON.parse(raw); } catch (e) { return raw; } }
    return raw;
  }

  function cssEscape(text) { return window.CSS && CSS.escape ? CSS.escape(text) : text.replace(/["\\]/g, "\\$&"); }

  /* ------------------------------------------------------------ errors */
  function parentPath(path) {
    var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
    return cut > 0 ? path.slice(0, cut) : null;
  }

  function holderFor(path) {
    // The error box of the path's own control, else of the nearest enclosing path.
    for (var p = path; p; p = parentPath(p)) {
      var box = document.querySelector('[data-errors-for="' + cssEscape(p) + '"]');
      if (box) { return box; }
      var owner = document.querySelector('[data-path="' + cssEscape(p) + '"]');
      if (owner) {
        box = document.createElement("div");
        box.className = "invalid-feedback";
        box.setAttribute("data-errors-for", p);
        box.setAttribute("role", "alert");
        (owner.tagName === "TBODY" || owner.tagName === "TR" ? owner.querySelector("td:last-child") || owner : owner).appendChild(box);
        return box;
      }
    }
    return null;
  }

  function showErrors(errors) {
    all(document, "[data-errors-for]").forEach(function (box) { box.textContent = ""; box.classList.remove("d-block"); });
    all(document, ".is-invalid[data-path]").forEach(function (c) { c.classList.remove("is-invalid"); });
    var list = document.querySelector("[data-problem-list]");
    if (list) { list.textContent = ""; }
    var count = 0;
    errors.forEach(function (error) {
      if (error.severity === "error") { count += 1; }
      var text = error.message + (error.hint ? " (" + error.hint + ")" : "");
      var box = holderFor(error.path);
      if (box) {
        box.textContent = box.textContent ? box.textContent + "; " + text : text;
        box.classList.add("d-block");
        var control = document.querySelector('[data-path="' + cssEscape(error.path) + '"]');
        if (control && control.tagName !== "TBODY") { control.classList.add("is-invalid"); }
        var details = box.closest("details");
        if (details) { details.open = true; }
      }
      if (list) {
        var item = document.createElement("li");
        var code = document.createElement("code");
        code.textContent = error.path;
        item.appendChild(code);
        item.appendChild(document.createTextNode(": " + text));
        list.appendChild(item);
      }
    });
    var summary = document.querySelector("[data-problems]");
    if (summary) {
      summary.classList.toggle("alert-warning", count > 0);
      summary.classList.toggle("alert-success", count === 0);
      var label = summary.querySelector("[data-error-count]");
      if (label) { label.setAttribute("data-error-count", String(count)); }
    }
  }

  /* ------------------------------------------------------------ saving */
  function send(url, ops, status) {
    if (status) { status.textContent = "…"; }
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ ops: ops })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (answer.ok) {
        showErrors(answer.data.errors || []);
        all(document, "[data-sentence]").forEach(function (line) {
          // rule sentences by default; the report editor's lines say data-sentence-of="report_sentences"
          var listed = answer.data[line.getAttribute("data-sentence-of") || "sentences"] || [];
          var sentence = listed[Number(line.getAttribute("data-sentence"))];
          if (sentence) { line.textContent = sentence[line.getAttribute("data-language")] || ""; }
        });
        if (status) { status.textContent = status.getAttribute("data-saved") || "✓"; }
        document.body.setAttribute("data-saved-at", String(Date.now()));
        var frame = document.querySelector("[data-preview-frame]");
        if (frame) { frame.contentWindow.location.reload(); }
        refreshDiagram();
      } else {
        var details = (answer.data.error && answer.data.error.details) || [];
        showErrors(details.map(function (d) { return { path: d.field, message: d.message, severity: "error" }; }));
        if (status) { status.textContent = answer.data.error ? answer.data.error.message : "!"; }
      }
      return answer;
    });
  }

  /* The workflow diagram is drawn by the server: after a change, take the new
     one from a fresh copy of this page. */
  function refreshDiagram() {
    var diagram = document.querySelector("[data-testid=workflow-diagram]");
    if (!diagram) { return; }
    fetch(location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-testid=workflow-diagram]");
        if (fresh) { diagram.innerHTML = fresh.innerHTML; diagram.setAttribute("data-refreshed", String(Date.now())); }
      });
  }

  function enhanceForm(form) {
    var url = form.getAttribute("data-patch-url");
    var status = form.querySelector("[data-save-status]");
    form.addEventListener("change", function (event) {
      var control = event.target;
      var path = control.getAttribute("data-path");
      if (!path || !form.contains(control)) { return; }
      var op = { op: "set", path: path, value: valueOf(control, form) };
      // a new type, or a choice that changes which controls follow (a report's source or group field)
      var structural = (/\.(name|type)$/.test(path) && control.tagName === "SELECT") ||
        Boolean(control.closest("[data-reload-on-change]"));
      send(url, [op], status).then(function (answer) {
        if (answer.ok && structural) { window.location.reload(); }   // other properties apply to the new type
      });
    });
  }

  /* ------------------------------------------------------- drag and drop */
  function enhanceDrag(root) {
    var dragged = null;
    all(root, "[data-move-list][draggable=true]").forEach(function (item) {
      item.addEventListener("dragstart", function (event) {
        if (event.target !== item) { return; }
        dragged = item;
        item.classList.add("ld-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-index"));
      });
      item.addEventListener("dragend", function () { item.classList.remove("ld-dragging"); dragged = null; });
      item.addEventListener("dragover", function (event) {
        if (dragged && dragged !== item && dragged.getAttribute("data-move-list") === item.getAttribute("data-move-list")) {
          event.preventDefault();
          item.classList.add("ld-drop-target");
        }
      });
      item.addEventListener("dragleave", function () { item.classList.remove("ld-drop-target"); });
      item.addEventListener("drop", function (event) {
        item.classList.remove("ld-drop-target");
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        var form = item.closest("form[data-designer-form]");
        var op = { op: "move", path: item.getAttribute("data-move-list"),
                   from: Number(dragged.getAttribute("data-index")), to: Number(item.getAttribute("data-index")) };
        send(form.getAttribute("data-patch-url"), [op], null).then(function (answer) {
          if (answer.ok) { window.location.reload(); }
        });
      });
    });
  }

  /* ------------------------------------------------------ field picker */
  function enhancePickers(root) {
    all(root, "select[data-insert-into]").forEach(function (picker) {
      picker.addEventListener("change", function (event) {
        event.stopPropagation();
        var input = document.getElementById(picker.getAttribute("data-insert-into"));
        if (!input || !picker.value) { return; }
        var at = input.selectionStart == null ? input.value.length : input.selectionStart;
        input.value = input.value.slice(0, at) + picker.value + input.value.slice(at);
        picker.value = "";
        input.focus();
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function enhanceConfirm(root) {
    all(root, "[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  /* Properties panels the user opened stay open across the page loads that
     structural edits cause (kept per tab in sessionStorage). */
  function rememberDetails(root) {
    var key = "ld-designer-open:" + location.pathname;
    var open = {};
    try { open = JSON.parse(sessionStorage.getItem(key) || "{}"); } catch (e) { open = {}; }
    all(root, "details").forEach(function (details) {
      var owner = details.closest("[data-path]");
      var id = owner ? owner.getAttribute("data-path") : null;
      if (!id) { return; }
      if (open[id]) { details.open = true; }
      details.addEventListener("toggle", function () {
        if (details.open) { open[id] = 1; } else { delete open[id]; }
        try { sessionStorage.setItem(key, JSON.stringify(open)); } catch (e) { /* private mode */ }
      });
    });
  }

  /* Keyboard reordering: after ↑ / ↓ reloads the page, focus returns to the
     same button of the row that moved, so the next press moves it again. */
  function keepFocusAcrossMoves(root) {
    var key = "ld-designer-moved:" + location.pathname;
    all(root, "button[data-op]").forEach(function (button) {
      button.addEventListener("click", function () {
        var op = JSON.parse(button.value || "{}");
        if (op.op !== "move") { return; }
        try { sessionStorage.setItem(key, JSON.stringify({ path: op.path + "[" + op.to + "]", title: button.title })); }
        catch (e) { /* private mode: focus simply starts at the top */ }
      });
    });
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(key) || "null"); sessionStorage.removeItem(key); } catch (e) { saved = null; }
    if (!saved) { return; }
    var row = document.querySelector('[data-path="' + cssEscape(saved.path) + '"]');
    if (!row) { return; }
    var target = row.querySelector('button[title="' + cssEscape(saved.title) + '"]') || row.querySelector("button[data-op]");
    if (target) { target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    rememberDetails(document);
    keepFocusAcrossMoves(document);
    all(document, "form[data-designer-form]").forEach(enhanceForm);
    enhanceDrag(document);
    enhancePickers(document);
    enhanceConfirm(document);
    document.body.setAttribute("data-designer-ready", "1");
  });
})();
