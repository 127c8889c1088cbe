// Type-ahead pickers and the live global search: the ARIA 1.2 combobox pattern
// (a text box with role=combobox controlling a listbox; the active option is named by
// aria-activedescendant, so focus never leaves the text box).
//
//   <input type="hidden" id="X-value" name="customer_id">
//   <input role="combobox" data-picker-url="/lookup/customer" data-picker-hidden="X-value" …>
//   <ul role="listbox" hidden></ul>
//
// Keys: ↓/↑ move, Enter or Tab choose, Escape closes (a second Escape clears), Home/End
// stay in the text. Choosing fires a "picker:select" event on the text box whose detail is
// the chosen item ({id, label, detail, data}), so pages can react (a quotation line
// fills its price). Clearing the text clears the id. No inline script anywhere (CSP).
(function () {
  "use strict";
  var DELAY = 150;
  var seq = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function Combo(input, options) {
    this.input = input;
    this.list = document.getElementById(input.getAttribute("aria-controls"));
    this.options = options;
    this.items = [];
    this.active = -1;
    this.timer = null;
    this.request = 0;
    this.lastTerm = null;
    var self = this;
    input.addEventListener("input", function () { self.onInput(); });
    input.addEventListener("keydown", function (ev) { self.onKey(ev); });
    input.addEventListener("focus", function () { if (options.openOnFocus) self.schedule(); });
    input.addEventListener("blur", function () { window.setTimeout(function () { self.close(); }, 150); });
    this.list.addEventListener("mousedown", function (ev) { ev.preventDefault(); });  // keep focus
    this.list.addEventListener("click", function (ev) {
      var li = ev.target.closest("[role=option]");
      if (li) self.choose(parseInt(li.getAttribute("data-index"), 10));
    });
  }

  Combo.prototype.onInput = function () {
    if (this.options.onType) this.options.onType(this.input.value);
    this.schedule();
  };

  Combo.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.fetch(); }, DELAY);
  };

  Combo.prototype.fetch = function () {
    var term = this.input.value.trim();
    if (term.length < (this.options.minLength || 0)) { this.close(); return; }
    var url = new URL(this.options.url, window.location.href);
    url.searchParams.set("q", term);
    Object.keys(this.options.params || {}).forEach(function (k) { url.searchParams.set(k, this.options.params[k]); }, this);
    var ticket = ++this.request;
    var self = this;
    this.input.setAttribute("aria-busy", "true");
    fetch(url.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) {
        if (ticket !== self.request) return;  // a newer search is on its way
        self.input.removeAttribute("aria-busy");
        self.render(self.options.toGroups(body));
      })
      .catch(function () { self.input.removeAttribute("aria-busy"); self.close(); });
  };

  Combo.prototype.render = function (groups) {
    var list = this.list;
    var self = this;
    list.textContent = "";
    this.items = [];
    this.active = -1;
    groups.forEach(function (group) {
      var parent = list;
      if (group.label) {
        var gid = list.id + "-g" + (++seq);
        var li = el("li", "list-group-item picker-group");
        li.setAttribute("role", "presentation");
        var head = el("div", "picker-group-label small text-uppercase text-muted", group.label);
        head.id = gid;
        head.setAttribute("role", "presentation");
        parent = el("ul", "list-unstyled mb-0");
        parent.setAttribute("role", "group");
        parent.setAttribute("aria-labelledby", gid);
        li.appendChild(head);
        li.appendChild(parent);
        list.appendChild(li);
      }
      group.items.forEach(function (item) {
        var index = self.items.length;
        var opt = el("li", "list-group-item list-group-item-action picker-option");
        opt.id = list.id + "-o" + index;
        opt.setAttribute("role", "option");
        opt.setAttribute("aria-selected", "false");
        opt.setAttribute("data-index", String(index));
        var label = el("bdi", "picker-label", item.label);
        opt.appendChild(label);
        if (item.detail) {
          opt.appendChild(document.createTextNode(" "));
          var detail = el("bdi", "picker-detail small text-muted", item.detail);
          opt.appendChild(detail);
        }
        parent.appendChild(opt);
        self.items.push({ item: item, node: opt });
      });
    });
    if (!this.items.length) {
      if (this.options.emptyText && this.input.value.trim()) {
        var none = el("li", "list-group-item text-muted small picker-empty", this.options.emptyText);
        none.setAttribute("role", "presentation");
        list.appendChild(none);
        this.open();
      } else {
        this.close();
      }
      return;
    }
    this.open();
    if (this.options.autoActivate !== false) this.move(0);
  };

  Combo.prototype.open = function () {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Combo.prototype.close = function () {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Combo.prototype.move = function (index) {
    if (!this.items.length) return;
    if (this.active >= 0) {
      this.items[this.active].node.classList.remove("active");
      this.items[this.active].node.setAttribute("aria-selected", "false");
    }
    this.active = (index + this.items.length) % this.items.length;
    var node = this.items[this.active].node;
    node.classList.add("active");
    node.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", node.id);
    node.scrollIntoView({ block: "nearest" });
  };

  Combo.prototype.onKey = function (ev) {
    var isOpen = !this.list.hidden;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      if (!isOpen) { this.fetch(); return; }
      this.move(this.active + 1);
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (isOpen) this.move(this.active - 1);
    } else if (ev.key === "Enter") {
      if (isOpen && this.active >= 0) { ev.preventDefault(); this.choose(this.active); }
      else if (this.options.preventEnter) ev.preventDefault();
    } else if (ev.key === "Tab") {
      if (isOpen && this.active >= 0 && this.input.value.trim()) this.choose(this.active);
    } else if (ev.key === "Escape") {
      if (isOpen) { ev.preventDefault(); this.close(); }
      else if (this.input.value) { ev.preventDefault(); this.input.value = ""; this.onInput(); }
    }
  };

  Combo.prototype.choose = function (index) {
    var chosen = this.items[index];
    if (!chosen) return;
    this.close();
    this.options.onChoose(chosen.item, this.input);
  };

  // -- pickers in forms ------------------------------------------------------------------
  function initPicker(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    var hidden = document.getElementById(input.getAttribute("data-picker-hidden"));
    var params = {};
    Object.keys(input.dataset).forEach(function (key) {
      if (key.indexOf("picker") === 0 && ["pickerUrl", "pickerHidden", "pickerReady"].indexOf(key) < 0) {
        var name = key.slice(6);
        params[name.charAt(0).toLowerCase() + name.slice(1)] = input.dataset[key];
      }
    });
    var chosenLabel = input.value;
    new Combo(input, {
      url: input.getAttribute("data-picker-url"),
      params: params,
      openOnFocus: false,
      preventEnter: true,
      emptyText: document.documentElement.getAttribute("data-picker-empty") || "",
      toGroups: function (body) { return [{ items: body.results || [] }]; },
      onType: function (value) {
        if (value.trim() !== chosenLabel) {
          if (hidden.value) {
            hidden.value = "";
            input.dispatchEvent(new CustomEvent("picker:clear", { bubbles: true }));
          }
        }
      },
      onChoose: function (item) {
        hidden.value = String(item.id);
        input.value = item.label;
        chosenLabel = item.label;
        input.classList.remove("is-invalid");
        input.dispatchEvent(new CustomEvent("picker:select", { bubbles: true, detail: item }));
      }
    });
  }

  // -- the navbar's live search ----------------------------------------------------------
  function initGlobalSearch(input) {
    new Combo(input, {
      url: input.getAttribute("data-live-search"),
      minLength: 2,
      autoActivate: false,
      emptyText: input.getAttribute("data-empty") || "",
      toGroups: function (body) {
        return (body.groups || []).map(function (g) { return { label: g.kind, items: g.results }; });
      },
      onChoose: function (item) { window.location.assign(item.url); }
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("input[data-picker-url]").forEach(initPicker);
  }
  window.RapportPicker = { init: initAll };
  initAll(document);
  var search = document.querySelector("input[data-live-search]");
  if (search) initGlobalSearch(search);
})();
