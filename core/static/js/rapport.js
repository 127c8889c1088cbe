// Small progressive enhancements. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  // Forms that ask before destroying data: <form class="js-confirm" data-confirm="...">.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.classList && form.classList.contains("js-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
    }
  }, true);
  // Selects that submit their form on change (the submit button stays for keyboards).
  document.querySelectorAll("form.js-autosubmit select").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
})();
// Validation errors: bring the first invalid field (and its form) into view, and focus it.
(function () {
  "use strict";
  var invalid = document.querySelector("main .is-invalid, main [aria-invalid=true]");
  if (!invalid) return;
  var collapse = invalid.closest(".collapse");
  if (collapse) collapse.classList.add("show");
  var pane = invalid.closest(".tab-pane");
  if (pane && window.bootstrap) {
    var tab = document.querySelector("[data-bs-target='#" + pane.id + "']");
    if (tab) window.bootstrap.Tab.getOrCreateInstance(tab).show();
  }
  var form = invalid.closest("form") || invalid;
  form.scrollIntoView({ block: "start" });
  if (invalid.focus) invalid.focus({ preventScroll: true });
})();
// Tabs named in the address (#tab-sales) open on load; choosing a tab updates the address.
(function () {
  "use strict";
  if (!window.bootstrap) return;
  function openTab(pane) {
    var tab = document.querySelector("[data-bs-toggle=tab][data-bs-target='" + pane + "']");
    if (tab) window.bootstrap.Tab.getOrCreateInstance(tab).show();
    return tab;
  }
  var hash = window.location.hash;
  if (hash && hash.indexOf("#tab-") === 0) openTab(hash.replace("#tab-", "#pane-"));
  document.querySelectorAll("a.js-open-tab[data-tab]").forEach(function (link) {
    link.addEventListener("click", function (ev) {
      var tab = openTab(link.getAttribute("data-tab"));
      if (tab) { ev.preventDefault(); tab.focus(); }
    });
  });
  document.querySelectorAll("[data-bs-toggle=tab][data-bs-target^='#pane-']").forEach(function (tab) {
    tab.addEventListener("shown.bs.tab", function () {
      history.replaceState(null, "", tab.getAttribute("data-bs-target").replace("#pane-", "#tab-"));
    });
  });
})();
