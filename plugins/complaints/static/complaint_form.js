// The staff complaint form: when another customer is picked, the "About" list is filled with
// that customer's orders and equipment (GET data-subjects-url?customer_id=…, the same choices and
// checks as the page), without a reload. Without JavaScript the page is rendered for the
// customer it was opened with, as before; the server checks the chosen subject either way.
// No inline script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-subjects-url]");
  if (!box) return;
  var form = box.closest("form");
  var select = box.querySelector("select");
  var field = box.querySelector(".js-about-field");
  var none = box.querySelector(".js-about-none");
  var picker = form.querySelector("input[role=combobox][data-picker-hidden='customer_id-value']");
  if (!picker || !select) return;
  var heading = document.querySelector(".js-form-customer");
  var ticket = 0;

  function name(text) {
    if (!heading) return;
    heading.querySelector("bdi").textContent = text || "";
    heading.hidden = !text;
  }

  function show(subjects, customerChosen) {
    var blank = select.options[0];
    select.textContent = "";
    select.appendChild(blank);
    subjects.forEach(function (s) { select.appendChild(new Option(s.label, s.ref)); });
    select.value = "";
    select.classList.remove("is-invalid");
    field.hidden = subjects.length === 0;
    none.hidden = !(customerChosen && subjects.length === 0);
    box.setAttribute("aria-busy", "false");
  }

  picker.addEventListener("picker:select", function (ev) {
    var id = ev.detail && ev.detail.id;
    if (!id) return;
    name(ev.detail.label);
    var mine = ++ticket;
    var url = new URL(box.getAttribute("data-subjects-url"), window.location.href);
    url.searchParams.set("customer_id", String(id));
    box.setAttribute("aria-busy", "true");
    fetch(url.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) { if (mine === ticket) show(body.subjects || [], true); })
      .catch(function () { if (mine === ticket) show([], false); });
  });
  picker.addEventListener("picker:clear", function () { ticket++; name(""); show([], false); });
})();
