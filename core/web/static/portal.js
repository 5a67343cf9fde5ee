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
