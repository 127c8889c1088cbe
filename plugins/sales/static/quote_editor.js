// The quotation editor: add and remove lines, fill a line from the chosen product, and
// show running line and order totals. The server recomputes every total on save (the
// rule in plugins/sales/totals.py, mirrored here: each line rounded to cents half away
// from zero, order totals are sums of the rounded lines). No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("quote-editor");
  if (!form) return;
  var body = form.querySelector(".js-lines");
  var template = document.getElementById("line-template");
  var nextIndex = parseInt(body.getAttribute("data-next-index"), 10) || 0;
  var lang = form.getAttribute("data-lang") || document.documentElement.lang || "en";
  var currencyInput = form.querySelector("input[name=currency]");

  // Numbers as the reader types them, read like core.l10n.parse_decimal does on the server:
  // the language's decimal and grouping signs (data-decimal, data-group), Persian and
  // Arabic-Indic digits, and plain dot decimals. Amounts then go in cents as integers.
  var decimalSign = form.getAttribute("data-decimal") || ".";
  var groupSign = form.getAttribute("data-group") || ",";
  function latinDigits(text) {
    return text.replace(/[\u06f0-\u06f9]/g, function (d) { return String(d.charCodeAt(0) - 0x06f0); })
               .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); });
  }
  function grouped(text) { return /^\d{1,3}([.,]\d{3})*$/.test(text); }
  function parseNumber(text) {
    text = latinDigits(String(text || "")).replace(/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g, "").trim();
    if (!text) return null;
    text = text.replace(/\u066b/g, decimalSign).replace(/\u066c/g, groupSign);
    var negative = /^[-\u2212]/.test(text);
    if (negative || text.charAt(0) === "+") text = text.slice(1);
    text = text.replace(/[\s\u00a0\u202f]/g, "");
    if (!/^[0-9.,]+$/.test(text) || !/\d/.test(text)) return NaN;
    var signs = text.replace(/\d/g, "").split("").filter(function (c, i, all) { return all.indexOf(c) === i; });
    var number;
    if (!signs.length) number = text;
    else if (signs.length === 2) {  // both signs: the rightmost one is the decimal sign
      var point = Math.max(text.lastIndexOf("."), text.lastIndexOf(","));
      var whole = text.slice(0, point), fraction = text.slice(point + 1);
      if (!/^\d+$/.test(fraction) || !grouped(whole) || whole.indexOf(text.charAt(point)) >= 0) return NaN;
      number = whole.replace(/[.,]/g, "") + "." + fraction;
    } else {
      var sign = signs[0], parts = text.split(sign);
      if (sign === decimalSign || (parts.length === 2 && !(sign === groupSign && parts[1].length === 3))) {
        if (parts.length !== 2) return NaN;
        number = (parts[0] || "0") + "." + (parts[1] || "0");
      } else if (grouped(text)) number = text.split(sign).join("");
      else return NaN;
    }
    var value = Number(number);
    if (!isFinite(value)) return NaN;
    return negative ? -value : value;
  }
  // A number for an input (a picked product's price), written the reader's way with the
  // decimals it came with ("899.00" → "899,00" in Greek, "۸۹۹٫۰۰" in Persian), no grouping.
  function inputNumber(text) {
    var decimals = (String(text).split(".")[1] || "").length;
    return new Intl.NumberFormat(lang, { useGrouping: false, minimumFractionDigits: decimals,
                                         maximumFractionDigits: decimals }).format(Number(text));
  }
  function roundHalfUp(value) {  // to an integer number of cents, half away from zero
    var sign = value < 0 ? -1 : 1;
    return sign * Math.round(Math.abs(value) + 1e-9);
  }
  function format(cents) {
    var currency = (currencyInput && currencyInput.value || "").trim().toUpperCase();
    var number = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(cents / 100);
    return /^[A-Z]{3}$/.test(currency) ? number + " " + currency : number;
  }
  function show(cell, text) {  // <bdi>: "1,798.00 EUR" keeps its order in right-to-left pages
    var bdi = document.createElement("bdi");
    bdi.textContent = text;
    cell.textContent = "";
    cell.appendChild(bdi);
  }
  function field(row, name) { return row.querySelector("[data-line=" + name + "]"); }

  function lineAmounts(row) {
    var qtyText = field(row, "quantity").value, priceText = field(row, "unit_price").value;
    var price = parseNumber(priceText);
    if (price === null) return null;
    var qty = parseNumber(qtyText); if (qty === null) qty = 1;
    var discount = parseNumber(field(row, "discount_percent").value) || 0;
    var taxField = field(row, "tax_rate");
    var rate = parseNumber(taxField.value);
    if (rate === null) rate = parseNumber(taxField.getAttribute("placeholder")) || 0;
    if ([qty, price, discount, rate].some(isNaN)) return NaN;
    var net = roundHalfUp(qty * price * (100 - discount));  // cents: ×100 /100 cancel out
    var tax = roundHalfUp(net * rate / 100);
    return { net: net, tax: tax };
  }

  function recalc() {
    var subtotal = 0, tax = 0, bad = false, index = 0;
    body.querySelectorAll("tr.order-line").forEach(function (row) {
      index += 1;
      row.querySelector(".line-no").textContent = new Intl.NumberFormat(lang).format(index);
      var amounts = lineAmounts(row);
      var cell = row.querySelector(".line-total");
      if (amounts === null) { show(cell, "—"); return; }
      if (typeof amounts === "number") { show(cell, "?"); bad = true; return; }  // NaN: unreadable
      show(cell, format(amounts.net));
      subtotal += amounts.net; tax += amounts.tax;
    });
    show(form.querySelector(".js-subtotal"), bad ? "?" : format(subtotal));
    show(form.querySelector(".js-tax"), bad ? "?" : format(tax));
    show(form.querySelector(".js-total"), bad ? "?" : format(subtotal + tax));
  }

  function addLine(focus) {
    var html = template.innerHTML.replace(/__i__/g, String(nextIndex));
    nextIndex += 1;
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    body.appendChild(row);
    if (window.RapportPicker) window.RapportPicker.init(row);
    recalc();
    if (focus) row.querySelector("input[role=combobox]").focus();
    return row;
  }

  function removeLine(row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (!body.querySelector("tr.order-line")) next = addLine(false);
    recalc();
    var target = next && (next.querySelector(".js-remove-line") || next.querySelector("input"));
    if (target) target.focus(); else form.querySelector(".js-add-line").focus();
  }

  form.querySelector(".js-add-line").addEventListener("click", function () { addLine(true); });
  body.addEventListener("click", function (ev) {
    var button = ev.target.closest(".js-remove-line");
    if (button) removeLine(button.closest("tr"));
  });
  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.altKey && ev.target.closest(".js-lines")) { ev.preventDefault(); addLine(true); }
  });
  form.addEventListener("input", function (ev) {
    if (ev.target.closest(".js-lines") || ev.target === currencyInput) recalc();
  });
  // A product chosen in a line fills its description, price and tax rate.
  body.addEventListener("picker:select", function (ev) {
    var row = ev.target.closest("tr.order-line");
    var data = (ev.detail && ev.detail.data) || {};
    if (!row) return;
    if (data.description !== undefined) field(row, "description").value = data.description;
    if (data.unit_price !== undefined && data.unit_price !== null && data.unit_price !== "") {
      field(row, "unit_price").value = inputNumber(data.unit_price);
    }
    if (data.tax_rate !== undefined) field(row, "tax_rate").value = inputNumber(String(Number(data.tax_rate)));
    var qty = field(row, "quantity");
    if (!qty.value.trim()) qty.value = inputNumber("1");
    recalc();
    qty.focus();
    qty.select();
  });
  recalc();
})();
