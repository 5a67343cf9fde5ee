// Account pages: the password-strength meter and the pause after a code is sent.
// The server checks everything again; without this file the pages work the same.
(function () {
  "use strict";
  var SYMBOLS = /[!-\/:-@\[-`{-~]/;

  function verdict(input) {
    var value = input.value, min = +input.dataset.min, max = +input.dataset.max, need = +input.dataset.classes;
    var classes = (/[A-Za-z]/.test(value) ? 1 : 0) + (/[0-9]/.test(value) ? 1 : 0) + (SYMBOLS.test(value) ? 1 : 0);
    var note = "";
    if (!value) note = "";  // nothing typed yet: nothing to say
    else if (/[^!-~]/.test(value)) note = "只能包含字母、数字或特殊符号";
    else if (value.length < min) note = "还需 " + (min - value.length) + " 位（" + min + "–" + max + " 位）";
    else if (value.length > max) note = "超出 " + (value.length - max) + " 位（最多 " + max + " 位）";
    else if (classes < need) note = "需包含字母、数字、符号中的至少 " + need + " 类";
    // The same score as the server's strength(): classes, plus length 10+ and 14+.
    var score = classes + (value.length >= 10 ? 1 : 0) + (value.length >= 14 ? 1 : 0);
    var level = !value ? 0 : score <= 1 ? 1 : score <= 3 ? 2 : 3;
    return { level: note && level > 1 ? 1 : level, note: note };
  }

  document.querySelectorAll("input[data-strength]").forEach(function (input) {
    var meter = document.getElementById(input.dataset.strength);
    if (!meter) return;
    meter.hidden = false;
    var bar = meter.querySelector(".strength > span");
    var level = meter.querySelector(".meter-level");
    var note = meter.querySelector(".meter-note");
    var names = ["—", "弱", "中", "强"];
    function update() {
      var v = verdict(input);
      meter.dataset.level = v.level;
      bar.style.width = (v.level * 100 / 3) + "%";
      level.textContent = names[v.level];
      note.textContent = v.note;
    }
    input.addEventListener("input", update);
    update();
  });

  // After a code was sent the gateways accept one send a minute: count the minute down.
  function coolDown(button) {
    var left = +button.dataset.cooldown, label = button.textContent;
    button.disabled = true;
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      } else {
        button.textContent = label + "（" + left + " 秒）";
      }
    }, 1000);
    button.textContent = label + "（" + left + " 秒）";
  }
  document.querySelectorAll("button[data-cooldown]").forEach(coolDown);

  // 获取验证码 on a form with passwords: send in the background and change only the code's
  // part of the page, so what was typed — the passwords above all — stays (the server never
  // writes a password back into a page). Without scripts the whole form comes back instead.
  function sendInPlace(event) {
    var button = event.currentTarget, form = button.form;
    if (!form || !form.querySelector("input[type=password]") || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var body = new FormData(form);
    body.delete("id_scan_file");  // the scan goes with the registration itself
    button.disabled = true;
    function wholeForm() {  // the page as it works without scripts
      button.removeEventListener("click", sendInPlace);
      button.disabled = false;
      if (form.requestSubmit) form.requestSubmit(button); else { form.action = button.formAction; form.submit(); }
    }
    fetch(button.formAction, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(".send-code"), here = button.closest(".send-code");
        if (!fresh || !here) { wholeForm(); return; }
        // the fields the answer may have marked (the phone or e-mail the code goes to)
        doc.querySelectorAll("[aria-invalid=true]").forEach(function (marked) {
          var mine = form.querySelector("[name='" + marked.name + "']");
          var note = doc.getElementById("e-" + marked.name);
          if (!mine || !note) return;
          mine.setAttribute("aria-invalid", "true");
          var old = document.getElementById(note.id);
          if (old) old.replaceWith(note); else mine.insertAdjacentElement("afterend", note);
        });
        ["phone", "email"].forEach(function (name) {  // a field the answer no longer marks
          if (!doc.querySelector("[name='" + name + "'][aria-invalid=true]")) {
            var mine = form.querySelector("[name='" + name + "']"), old = document.getElementById("e-" + name);
            if (mine) mine.removeAttribute("aria-invalid");
            if (old) old.remove();
          }
        });
        here.replaceWith(fresh);
        var again = fresh.querySelector("button[formaction]");
        if (again) again.addEventListener("click", sendInPlace);
        if (again && again.dataset.cooldown) coolDown(again);
        var said = fresh.querySelector("[role=status], .error");
        if (said) said.setAttribute("aria-live", "polite");
      })
      .catch(wholeForm);
  }
  document.querySelectorAll(".send-code button[formaction]").forEach(function (button) {
    button.addEventListener("click", sendInPlace);
  });
})();
