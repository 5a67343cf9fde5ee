// The learner's outcome and application pages: small enhancements, every page works without them.
//  - 成果添加: the sub-type list shows only the chosen category's sub-types;
//  - the catalog picker (成果选择): 查询 opens a <dialog> searching the public catalog API; 确认
//    fills the page's form in place (without JavaScript the search is a plain GET form);
//  - forms with data-confirm ask before they are sent (认定申请, 删除, 撤回).
(function () {
  "use strict";

  // Capture phase: these run before portal.js's double-submit guard marks a form as sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.submitted) return;
    if (form.hasAttribute("data-catalog-search")) {
      var dialog = document.getElementById("catalog-dialog");
      // A 选择 button in the plain results, or a browser without <dialog>: the plain GET path.
      if (!dialog || typeof dialog.showModal !== "function" || (event.submitter && event.submitter.name === "entry")) return;
      event.preventDefault();
      event.stopPropagation();
      picker.open(form, dialog);
      return;
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // ---- 成果分类 → 成果小类
  function subtypeChooser(form) {
    var category = form.querySelector("#f-category");
    var subtype = form.querySelector("#f-subtype");
    if (!category || !subtype) return;
    var groups = Array.prototype.slice.call(subtype.querySelectorAll("optgroup"));
    function filter() {
      var keep = subtype.value;
      groups.forEach(function (g) { if (g.parentNode) g.parentNode.removeChild(g); });
      var shown = groups.filter(function (g) { return !category.value || g.dataset.category === category.value; });
      shown.forEach(function (g) { subtype.appendChild(g); });
      var options = shown.reduce(function (all, g) { return all.concat(Array.prototype.slice.call(g.children)); }, []);
      var kept = options.some(function (o) { return o.value === keep; });
      subtype.value = kept ? keep : (category.value && options.length === 1 ? options[0].value : "");
    }
    category.addEventListener("change", filter);
    filter();
  }

  // ---- 成果选择 (catalog dialog)
  var picker = {
    form: null, dialog: null, cursor: null, entries: {},

    open: function (form, dialog) {
      this.form = form;
      this.dialog = dialog;
      var typed = form.querySelector("input[name=q]");
      this.el("#catalog-dialog-q").value = typed ? typed.value : "";
      this.el("[data-catalog-results]").textContent = "";
      this.el("[data-catalog-status]").textContent = "";
      this.el("[data-catalog-more]").hidden = true;
      if (!dialog.dataset.bound) this.bind(dialog);
      dialog.showModal();
      this.search(false);
    },

    el: function (selector) { return this.dialog.querySelector(selector); },

    bind: function (dialog) {
      var self = this;
      dialog.dataset.bound = "1";
      this.el("[data-catalog-query]").addEventListener("click", function () { self.search(false); });
      this.el("[data-catalog-more]").addEventListener("click", function () { self.search(true); });
      this.el("[data-catalog-close]").addEventListener("click", function () { dialog.close(); });
      this.el("[data-catalog-confirm]").addEventListener("click", function () { self.confirm(); });
      this.el("#catalog-dialog-q").addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); self.search(false); }
      });
      this.el("[data-catalog-results]").addEventListener("dblclick", function (event) {
        var row = event.target.closest("tr");
        if (row) { row.querySelector("input").checked = true; self.confirm(); }
      });
    },

    search: function (more) {
      var self = this;
      var status = this.el("[data-catalog-status]");
      var params = new URLSearchParams({ q: this.el("#catalog-dialog-q").value.trim(), limit: "10" });
      if (this.form.dataset.category) params.set("category", this.form.dataset.category);
      if (this.form.dataset.subtype) params.set("subtype", this.form.dataset.subtype);
      if (more && this.cursor) params.set("cursor", this.cursor);
      status.textContent = "正在查询…";
      fetch(this.form.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (page) {
          var body = self.el("[data-catalog-results]");
          if (!more) { body.textContent = ""; self.entries = {}; }
          page.items.forEach(function (entry) { body.appendChild(self.row(entry)); });
          self.cursor = page.next_cursor;
          self.el("[data-catalog-more]").hidden = !self.cursor;
          var count = body.querySelectorAll("tr").length;
          status.textContent = count ? "找到 " + count + (self.cursor ? "+" : "") + " 条，请选择后点击“确认”" : "名录中没有找到，请换个关键字";
        })
        .catch(function () { status.textContent = "查询失败，请稍后重试，或关闭后使用页面上的查询"; });
    },

    row: function (entry) {
      this.entries[entry.id] = entry;
      var tr = document.createElement("tr");
      var id = "catalog-pick-" + entry.id;
      var choose = document.createElement("td");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "catalog-pick";
      radio.id = id;
      radio.value = String(entry.id);
      choose.appendChild(radio);
      var name = document.createElement("td");
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = entry.name;
      name.appendChild(label);
      tr.appendChild(choose);
      tr.appendChild(name);
      [entry.project_name, entry.institution].forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text || "";
        tr.appendChild(td);
      });
      return tr;
    },

    confirm: function () {
      var picked = this.el("input[name=catalog-pick]:checked");
      if (!picked) { this.el("[data-catalog-status]").textContent = "请先选择一条名录成果"; return; }
      var target = document.getElementById(this.form.dataset.fill);
      this.dialog.close();  // first: closing gives focus back to 查询, fill() then moves it on
      if (target) fill(target, this.form.dataset.input, this.entries[picked.value]);
    },
  };

  function fill(form, inputName, entry) {
    var input = form.querySelector('input[name="' + inputName + '"]');
    if (input) input.value = String(entry.id);
    form.querySelectorAll("[data-catalog-show]").forEach(function (el) { el.textContent = entry[el.dataset.catalogShow] || ""; });
    form.querySelectorAll("[data-catalog-field]").forEach(function (el) {
      var value = entry.fields[el.dataset.catalogField];
      el.textContent = value === undefined || value === null ? "" : String(value);
    });
    form.querySelectorAll("[data-catalog-none]").forEach(function (el) { el.hidden = true; });
    form.querySelectorAll("[data-catalog-some]").forEach(function (el) { el.hidden = false; });
    var chosen = form.querySelector("[data-catalog-chosen]");
    if (chosen) {
      chosen.classList.remove("has-error");
      var error = chosen.querySelector(".error");
      if (error) error.parentNode.removeChild(error);
    }
    var next = form.querySelector("input:not([type=hidden]):not([readonly]), select, textarea, button[type=submit]");
    if (next) next.focus();
  }

  function start() {
    document.querySelectorAll("form[data-subtype-chooser]").forEach(subtypeChooser);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
