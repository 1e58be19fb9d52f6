// Upload with a progress bar: the form is sent by XHR (upload progress events), and the import's result
// (created, duplicates, every refused row with its field and reason) is drawn from the JSON answer.
// Without this script the form posts normally and the page shows the same report.
(function () {
  "use strict";
  const form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData) return;
  const box = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const percent = document.getElementById("upload-percent");
  const state = document.getElementById("upload-state");
  const report = document.getElementById("upload-report");
  const summary = document.getElementById("report-summary");
  const table = document.getElementById("report-errors");
  const button = form.querySelector("button[type=submit]");
  const counts = document.getElementById("project-counts");

  const setProgress = (value) => {
    bar.value = value;
    percent.textContent = Math.round(value) + "%";
  };
  const cell = (row, text) => {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  };
  const showErrors = (errors) => {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    errors.forEach((e) => {
      const tr = document.createElement("tr");
      cell(tr, e.row).className = "num";
      cell(tr, e.external_id);
      cell(tr, e.field);
      cell(tr, e.reason);
      body.appendChild(tr);
    });
    table.hidden = errors.length === 0;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    box.hidden = false;
    setProgress(0);
    state.textContent = "Uploading…";
    button.disabled = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) setProgress((100 * e.loaded) / e.total);
    });
    xhr.upload.addEventListener("load", () => {
      setProgress(100);
      state.textContent = "Uploaded; importing…";
    });
    xhr.addEventListener("load", () => {
      button.disabled = false;
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      report.hidden = false;
      if (xhr.status === 200 && data) {
        state.textContent = "Done.";
        summary.textContent = data.created + " created, " + data.duplicates + " duplicates skipped, " +
          data.error_count + " rows refused.";
        showErrors(data.errors || []);
        const c = data.counts;
        if (c && counts) {
          counts.textContent = c.regular + " items, " + c.gold + " gold, " + c.exam + " exam, " + c.practice + " practice";
        }
        form.querySelector("input[type=file]").value = "";
      } else {
        state.textContent = "Refused.";
        const fields = (data && data.extra && data.extra.fields) || {};
        const details = Object.keys(fields).map((k) => k + ": " + fields[k]).join("; ");
        summary.textContent = (data ? data.message : "The server did not answer (" + xhr.status + ").") +
          (details ? " " + details : "");
        showErrors([]);
      }
      summary.focus();
    });
    xhr.addEventListener("error", () => {
      button.disabled = false;
      state.textContent = "The upload failed: check the connection and try again.";
    });
    xhr.send(new FormData(form));
  });
  summary.setAttribute("tabindex", "-1");
})();
