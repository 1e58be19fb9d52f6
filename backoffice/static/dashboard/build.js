// The build page's progress bar: polls the version's status once a second until it is ready or failed.
(function () {
  "use strict";
  const box = document.getElementById("build");
  if (!box) return;
  const bar = document.getElementById("build-bar");
  const state = document.getElementById("build-state");
  const error = document.getElementById("build-error");
  const downloads = document.getElementById("downloads");
  const poll = () => {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json())
      .then((s) => {
        bar.value = Math.round(100 * s.progress);
        if (s.status === "ready") {
          state.textContent = "ready: " + s.rows + " rows";
          downloads.hidden = false;
        } else if (s.status === "failed") {
          state.textContent = "failed";
          error.textContent = s.error;
          error.hidden = false;
        } else {
          state.textContent = "building: " + Math.round(100 * s.progress) + "%";
          setTimeout(poll, 1000);
        }
      })
      .catch(() => setTimeout(poll, 3000));
  };
  poll();
})();
