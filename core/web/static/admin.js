// Staff and platform pages: small progressive enhancement; every page works without it.
(function () {
  "use strict";

  // An import job's page follows the job through the portal's progress route (behind the
  // session; the JSON API takes bearer tokens only) instead of reloading; when the job ends the page reloads once to show
  // the rejected rows, which the server renders.
  function followJob(box) {
    var url = box.getAttribute("data-job-url");
    var progress = document.getElementById("job-progress");
    var labels = { pending: "排队中", running: "导入中", done: "已完成", failed: "失败" };
    function show(job) {
      if (job.total > 0) { progress.max = job.total; progress.value = job.done; }
      ["done", "total", "created", "failed"].forEach(function (name) {
        var cell = box.querySelector('[data-count="' + name + '"]');
        if (cell) { cell.textContent = job[name]; }
      });
      var badge = document.querySelector("#job-status .badge");
      if (badge) { badge.textContent = labels[job.status] || job.status; }
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (job) {
          show(job);
          if (job.status === "done" || job.status === "failed") { window.location.reload(); }
          else { setTimeout(poll, 1500); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }

  // Choosing an option of a select marked data-autosubmit reloads its (GET) form at once;
  // without JS the form's own button does it.
  function autoSubmit(select) {
    select.addEventListener("change", function () {
      if (select.form && select.form.method.toLowerCase() === "get") { select.form.submit(); }
    });
  }

  // A destructive button (data-confirm) asks first.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A colour input and its text twin stay in step (the text field is the labelled one that
  // also works without a colour picker).
  function pairColour(picker) {
    var text = document.getElementById(picker.getAttribute("data-colour-for"));
    if (!text) { return; }
    var holder = picker.closest(".colour-picker");
    if (holder) { holder.hidden = false; }
    picker.addEventListener("input", function () { text.value = picker.value; });
    text.addEventListener("input", function () {
      if (/^#[0-9a-fA-F]{6}$/.test(text.value)) { picker.value = text.value; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-job-url]");
    var status = box && box.getAttribute("data-job-status");
    if (box && (status === "pending" || status === "running")) { followJob(box); }
    document.querySelectorAll("select[data-autosubmit]").forEach(autoSubmit);
    document.querySelectorAll("input[data-colour-for]").forEach(pairColour);
    document.querySelectorAll("[data-preview-for]").forEach(livePreview);
  });

  // The platform's tenant page: the header and footer preview follows the branding form as it is typed.
  function livePreview(section) {
    var form = document.getElementById(section.getAttribute("data-preview-for"));
    var box = section.querySelector(".preview-site");
    if (!form || !box) { return; }
    var slug = section.getAttribute("data-slug"), site = section.getAttribute("data-site"), name = section.getAttribute("data-name");
    function val(n) { var el = form.elements[n]; return el ? el.value.trim() : ""; }
    function set(key, text) { var el = box.querySelector('[data-preview="' + key + '"]'); if (el) { el.textContent = text; } }
    function update() {
      set("logo_text", val("logo_text") || val("short_name") || val("name") || name);
      set("name", val("name") || name);
      set("footer", val("footer") || val("name") || name);
      set("base_url", (val("base_url").replace(/\/+$/, "") || site) + "/t/" + slug);
      [["primary_color", "--brand"], ["accent_color", "--accent"]].forEach(function (pair) {
        if (/^#[0-9a-fA-F]{6}$/.test(val(pair[0]))) { box.style.setProperty(pair[1], val(pair[0])); }
      });
    }
    form.addEventListener("input", update);
  }
})();
