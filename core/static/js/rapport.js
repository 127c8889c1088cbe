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
