// Kanban drag and drop for the sales pipeline. Progressive enhancement: without
// JavaScript each card links to its page, which has a "Move to" form, and the list
// view filters by stage. Moves are saved with a POST (JSON) carrying the CSRF token
// in the X-CSRFToken header; on failure the card goes back and the reason is shown.
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board) return;
  var status = document.getElementById("kanban-status");
  var dragged = null, origin = null, originNext = null;

  function showError(text, prefix) {
    status.textContent = board.getAttribute(prefix || "data-error") + " " + text;
    status.classList.remove("d-none");
  }

  // Column headers (count and value per currency) are computed by the server; after a
  // move, fetch the board once more and take the new headers from it.
  function refreshHeads() {
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll(".kanban-col").forEach(function (fresh) {
          var id = fresh.getAttribute("data-stage-id");
          var current = board.querySelector('.kanban-col[data-stage-id="' + id + '"] .kanban-head');
          var head = fresh.querySelector(".kanban-head");
          if (current && head) current.replaceWith(document.importNode(head, true));
        });
      })
      .catch(function () { /* headers stay as they were; the move itself is saved */ });
  }

  // "Load more" is a link to the column's next page (it works without JavaScript); here we
  // fetch that page, append its cards to the column and take its own "Load more" link.
  board.addEventListener("click", function (ev) {
    var more = ev.target.closest ? ev.target.closest("a.kanban-more") : null;
    if (!more || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    if (more.getAttribute("aria-busy") === "true") return;
    more.setAttribute("aria-busy", "true");
    var col = more.closest(".kanban-col");
    fetch(more.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (resp) {
        if (!resp.ok) throw new Error(resp.status + " " + resp.statusText);
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var list = col.querySelector(".kanban-cards");
        doc.querySelectorAll(".kanban-page .kanban-card").forEach(function (card) {
          if (!list.querySelector('.kanban-card[data-id="' + card.getAttribute("data-id") + '"]')) {
            list.appendChild(document.importNode(card, true));
          }
        });
        var next = doc.querySelector(".kanban-page a.kanban-more");
        if (next) more.replaceWith(document.importNode(next, true)); else more.remove();
      })
      .catch(function (err) {
        more.removeAttribute("aria-busy");
        showError(String(err), "data-load-error");
      });
  });

  function moveUrl(id) {
    return board.getAttribute("data-move-url").replace(/\/0\/move$/, "/" + id + "/move");
  }

  board.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest ? ev.target.closest(".kanban-card") : null;
    if (!card || card.getAttribute("draggable") !== "true") return;
    dragged = card;
    origin = card.parentNode;
    originNext = card.nextSibling;
    card.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });

  function columnOf(el) {
    var col = el && el.closest ? el.closest(".kanban-col") : null;
    return col && col.getAttribute("data-droppable") === "yes" ? col : null;
  }

  board.addEventListener("dragover", function (ev) {
    var col = columnOf(ev.target);
    if (!dragged || !col) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });

  board.addEventListener("drop", function (ev) {
    var col = columnOf(ev.target);
    if (!dragged || !col) return;
    ev.preventDefault();
    var card = dragged;
    var list = col.querySelector(".kanban-cards");
    if (list === origin) return;
    var empty = list.querySelector(".kanban-empty");
    if (empty) empty.remove();
    list.insertBefore(card, list.firstChild);
    status.classList.add("d-none");
    card.classList.add("saving");
    var from = origin, next = originNext;
    fetch(moveUrl(card.getAttribute("data-id")), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": board.getAttribute("data-csrf")},
      body: JSON.stringify({stage_id: col.getAttribute("data-stage-id")})
    }).then(function (resp) {
      return resp.json().catch(function () { return {ok: false, errors: {"": [resp.statusText]}}; })
        .then(function (data) { return {ok: resp.ok && data.ok, data: data}; });
    }).then(function (result) {
      card.classList.remove("saving");
      if (result.ok) {
        card.setAttribute("data-stage-id", result.data.stage_id);
        if (result.data.status !== "open") card.setAttribute("draggable", "false");
        card.classList.add("saved");
        refreshHeads();
        return;
      }
      from.insertBefore(card, next);
      var msgs = [];
      Object.keys(result.data.errors || {}).forEach(function (k) { msgs = msgs.concat(result.data.errors[k]); });
      showError(msgs.join(" "));
    }).catch(function (err) {
      card.classList.remove("saving");
      from.insertBefore(card, next);
      showError(String(err));
    });
  });
})();
