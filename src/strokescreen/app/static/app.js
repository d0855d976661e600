// strokescreen pages: confirm deletes, check upload size, poll a running assessment.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }

  const upload = document.getElementById("upload-form");
  if (upload) {
    upload.addEventListener("submit", (ev) => {
      const input = document.getElementById("video-file");
      const msg = document.getElementById("upload-message");
      const max = Number(upload.dataset.maxBytes);
      const file = input.files && input.files[0];
      if (file && file.size > max) {
        ev.preventDefault();
        msg.textContent = `The file is ${(file.size / 1e6).toFixed(0)} MB; the limit is ${(max / 1e6).toFixed(0)} MB.`;
        msg.hidden = false;
        return;
      }
      document.getElementById("upload-button").disabled = true;
      document.getElementById("upload-button").textContent = "Uploading…";
    });
  }

  const view = document.getElementById("progress-view");
  if (view) {
    const url = view.dataset.statusUrl;
    const poll = async () => {
      try {
        const resp = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
        if (resp.status === 401) { window.location.href = "/signin"; return; }
        if (!resp.ok) { throw new Error(String(resp.status)); }
        const s = await resp.json();
        document.getElementById("state").textContent = s.state;
        document.getElementById("progress").value = s.progress;
        document.getElementById("stage").textContent = s.stage || "";
        document.getElementById("queue").textContent =
          s.queue_position ? `(place ${s.queue_position} in the queue)` : "";
        if (s.state === "done" || s.state === "failed") { window.location.reload(); return; }
      } catch (err) {
        document.getElementById("stage").textContent = "connection problem; retrying…";
      }
      window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 500);
  }
});
