// Live progress of whole-history imports: polls GET /api/v1/imports/{id} (session login) for
// each queued or running job on the page and updates its bar and counts until it finishes.
(function () {
  "use strict";

  var ACTIVE = { queued: true, running: true };
  var POLL_MS = 1000;
  var FIELDS = ["processed", "imported", "duplicates", "skipped", "failed"];

  function set(item, name, text) {
    var node = item.querySelector('[data-field="' + name + '"]');
    if (node) node.textContent = text;
  }

  function show(item, job) {
    var bar = item.querySelector('progress[data-field="progress"]');
    var percent = Math.round(job.progress * 100);
    if (bar) {
      bar.value = percent;
      bar.textContent = percent + " %";
    }
    FIELDS.forEach(function (name) { set(item, name, String(job[name])); });
    set(item, "found", job.found === null ? "…" : String(job.found));
    set(item, "status", job.status.charAt(0).toUpperCase() + job.status.slice(1));
    item.setAttribute("data-status", job.status);
  }

  function poll(item) {
    var url = item.getAttribute("data-import-job");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        show(item, job);
        if (ACTIVE[job.status]) window.setTimeout(function () { poll(item); }, POLL_MS);
      })
      .catch(function () { window.setTimeout(function () { poll(item); }, POLL_MS * 5); });
  }

  document.querySelectorAll("[data-import-job]").forEach(function (item) {
    if (ACTIVE[item.getAttribute("data-status")]) poll(item);
  });
})();
