// Jobs page: redraw the progress of active jobs while you watch.
// Polls <table|div class="js-jobs" data-status-url="..."> for the rows
// <... class="js-job" data-job-id="N" data-active="true">, every 1.5 s, until none is active.
// Text goes in with textContent only (never HTML), so a job's message cannot inject markup.
(function () {
  "use strict";
  var container = document.querySelector(".js-jobs");
  if (!container) return;
  var url = container.getAttribute("data-status-url");
  var INTERVAL = 1500;

  function activeRows() {
    return Array.prototype.slice.call(container.querySelectorAll('.js-job[data-active="true"]'));
  }

  function setText(row, selector, text) {
    var el = row.querySelector(selector);
    if (el) {
      var target = el.querySelector("bdi") || el;
      target.textContent = text;
    }
  }

  function redraw(row, job) {
    var badge = row.querySelector(".js-job-status");
    if (badge) {
      badge.textContent = job.status_label;
      badge.className = "badge js-job-status " + job.status_class;
    }
    var progress = row.querySelector(".js-job-progress");
    if (progress) {
      var bar = progress.querySelector(".progress-bar");
      bar.className = "progress-bar " + job.bar_class;
      bar.style.width = job.percent + "%";
      progress.setAttribute("aria-valuenow", String(job.percent));
    }
    setText(row, ".js-job-count", job.progress_text);
    var shown = job.status === "done" && job.result && !row.querySelector(".js-job-result") ? job.result : job.message;
    setText(row, ".js-job-message", shown);
    setText(row, ".js-job-result", job.result || "—");
    if (!job.active) {
      row.setAttribute("data-active", "false");
      var actions = row.querySelector(".js-job-actions");
      if (actions) actions.textContent = "";
    }
  }

  function poll() {
    var rows = activeRows();
    if (!rows.length) return;
    var ids = rows.map(function (r) { return r.getAttribute("data-job-id"); });
    fetch(url + "?ids=" + encodeURIComponent(ids.join(",")), {
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      data.jobs.forEach(function (job) {
        var row = container.querySelector('.js-job[data-job-id="' + job.id + '"]');
        if (row) redraw(row, job);
      });
      window.setTimeout(poll, INTERVAL);
    }).catch(function () {
      window.setTimeout(poll, INTERVAL * 4);  // server restarting: try again, more slowly
    });
  }

  window.setTimeout(poll, INTERVAL);
})();
