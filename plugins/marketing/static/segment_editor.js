// Segment editor: recount as the user types (the "Count again" button does the same without JavaScript).
(function () {
  "use strict";
  var form = document.getElementById("segment-form");
  var out = document.getElementById("live-count");
  if (!form || !out) { return; }
  var timer = null;
  function recount() {
    var data = new FormData(form);
    data.delete("action");
    fetch(form.dataset.countUrl, { method: "POST", body: data, credentials: "same-origin",
                                    headers: { "X-CSRFToken": data.get("csrf_token") || "" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j) { out.textContent = j.text || j.problem || ""; } })
      .catch(function () { /* the button still works */ });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(recount, 400); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(recount, 100); });
}());
