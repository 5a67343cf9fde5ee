// Staff pages: small progressive enhancement; every form works without it.
(function () {
  "use strict";

  // Decision form: choosing 同意 / 不同意 changes the decision written in the opinion
  // (“意见：同意” ↔ “意见：不同意”), so the two never disagree by oversight.
  var decisionForm = document.getElementById("decision-form");
  if (decisionForm) {
    var opinion = decisionForm.querySelector("#f-opinion");
    decisionForm.querySelectorAll("input[name=decision]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (!opinion || !radio.checked) { return; }
        var word = radio.value === "reject" ? "不同意" : "同意";
        opinion.value = opinion.value.replace(/(意见\s*[:：]\s*)(不同意|同意)/, "$1" + word);
      });
    });
  }

  // Learner search: an ID number typed into the name search would travel in the address;
  // it is moved to the ID-number search, which posts it.
  var search = document.getElementById("learner-search");
  var byId = document.getElementById("id-search");
  if (search && byId) {
    search.addEventListener("submit", function (event) {
      var q = search.querySelector("#f-q");
      if (q && /^\s*[1-9]\d{16}[\dxX]\s*$/.test(q.value)) {
        event.preventDefault();
        byId.querySelector("#f-id_number").value = q.value.trim();
        q.value = "";
        byId.submit();
      }
    }, true);
  }
})();
