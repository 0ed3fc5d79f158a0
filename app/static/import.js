/* A job's progress bar (the catalogue import, the posters, the monthly report): polls the
 * job's status (a session route, the page's twin of GET /api/v1/jobs/{id}) until it is done
 * or failed, then reloads the page to show the result; but not over what the reader has
 * typed or chosen in the meantime (the statistics' filters): then the status says the job
 * ended, and the reader's next step shows its result. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var touched = false;
  document.addEventListener("input", function () { touched = true; }, true);
  document.addEventListener("change", function () { touched = true; }, true);
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var state = document.getElementById("job-state");

  function render(job) {
    var value = Math.max(0, Math.min(1, Number(job.progress) || 0));
    bar.value = value;
    percent.textContent = Math.round(value * 100) + "%";
    state.firstChild.textContent = job.status === "done" ? box.dataset.done
      : job.status === "failed" ? box.dataset.failed : box.dataset.running;
    state.firstChild.textContent += " ";
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
      .then(function (job) {
        render(job);
        if (job.status === "done" || job.status === "failed") { if (!touched) window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  if (box.dataset.status !== "done" && box.dataset.status !== "failed") setTimeout(poll, 500);
})();
