// Live SMS counter on the compose form: characters, parts and encoding, as the server counts them
// (core/messaging/sms.py: GSM-7 160/153 per part, extension characters count twice; else UCS-2 70/67).
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";
  function count(text) {
    var gsm = true, units = 0, i, c;
    for (i = 0; i < text.length; i++) {
      c = text.charAt(i);
      if (EXTENSION.indexOf(c) >= 0) { units += 2; } else if (BASIC.indexOf(c) >= 0) { units += 1; } else { gsm = false; break; }
    }
    var single = 160, multi = 153, encoding = "GSM-7";
    if (!gsm) { units = text.length; single = 70; multi = 67; encoding = "UCS-2"; }  // UTF-16 code units
    var parts = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return { units: units, parts: parts, encoding: encoding };
  }
  document.querySelectorAll(".js-sms-counter").forEach(function (out) {
    var field = document.getElementById(out.getAttribute("data-for"));
    var label = out.getAttribute("data-label");
    if (!field || !label) { return; }
    function update() {
      // The server posts lines with CRLF; the browser's textarea value uses LF, as counted here.
      var r = count(field.value);
      out.textContent = label.replace("{chars}", r.units).replace("{parts}", r.parts).replace("{encoding}", r.encoding);
    }
    field.addEventListener("input", update);
    update();
  });
})();
