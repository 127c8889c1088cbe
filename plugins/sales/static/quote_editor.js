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

  // Amounts in cents as integers, so 0.1 + 0.2 stays exact.
  function parseNumber(text) {
    text = String(text || "").trim().replace(/\s|\u00a0|\u202f/g, "");
    if (!text) return null;
    if (text.indexOf(",") >= 0 && text.indexOf(".") < 0) text = text.replace(",", ".");
    else text = text.replace(/,/g, "");
    var value = Number(text);
    return isFinite(value) ? value : NaN;
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
      row.querySelector(".line-no").textContent = String(index);
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
    if (data.unit_price !== undefined) field(row, "unit_price").value = data.unit_price;
    if (data.tax_rate !== undefined) field(row, "tax_rate").value = String(Number(data.tax_rate));
    var qty = field(row, "quantity");
    if (!qty.value.trim()) qty.value = "1";
    recalc();
    qty.focus();
    qty.select();
  });
  recalc();
})();
