// Small progressive enhancement; every page works without it.
document.addEventListener("submit", function (event) {
  // A double click submits once: the first submit disables the form's buttons.
  var form = event.target;
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
  }, 0);
});
window.addEventListener("pageshow", function () {
  // Coming back with the browser's back button re-enables the forms.
  document.querySelectorAll("form[data-submitted]").forEach(function (f) {
    delete f.dataset.submitted;
    f.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  });
});
document.addEventListener("click", function (event) {
  // "返回上一页" on error pages: the browser's back (the CSP allows no javascript: links);
  // without JavaScript the link goes to the home page.
  var link = event.target.closest && event.target.closest("a[data-history-back]");
  if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
});
document.addEventListener("DOMContentLoaded", function () {
  // The unit picker (web/unit_picker.html): a search box above the list of units filters it by
  // name or code as one types; the list stays a plain <select> (keyboard, screen readers, no JS).
  document.querySelectorAll("select[data-unit-search]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-search";
    box.className = "unit-search";
    box.setAttribute("aria-label", "按名称或代码筛选" + (select.getAttribute("data-unit-search") || "单位"));
    box.setAttribute("aria-controls", select.id);
    box.placeholder = "输入名称或代码筛选";
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("role", "status");
    status.id = select.id + "-search-status";
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    var options = Array.prototype.slice.call(select.options);
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase(), shown = 0, first = null;
      options.forEach(function (o) {
        var match = !o.value || !q || o.text.toLowerCase().indexOf(q) >= 0 || o.value.toLowerCase().indexOf(q) >= 0;
        o.hidden = !match; o.disabled = !match && o.value !== select.value;
        if (match && o.value) { shown += 1; if (!first) { first = o; } }
      });
      if (q && first && (!select.value || select.selectedOptions[0].hidden)) { select.value = first.value; }
      status.textContent = q ? "找到 " + shown + " 个" + (shown ? "，已选第一个，可用方向键在列表中换选" : "") : "";
    });
  });
});
