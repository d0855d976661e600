// Record 30-60 s from the camera and microphone with MediaRecorder, showing the task
// script's prompts, then upload the clip (CSRF token in a header) and open its page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("recorder");
  if (!box) return;
  const $ = (id) => document.getElementById(id);
  const minS = Number(box.dataset.minS), autoStopS = Number(box.dataset.autoStopS);
  const maxS = Number(box.dataset.maxS), maxBytes = Number(box.dataset.maxBytes);
  const steps = Array.from(box.querySelectorAll("ol.script li")).map((li) => ({
    li, start: Number(li.dataset.start), instruction: li.dataset.instruction, words: li.dataset.words,
  }));
  let stream = null, recorder = null, chunks = [], blob = null, t0 = 0, timer = null;

  const say = (text) => { $("record-message").textContent = text; };

  if (!window.MediaRecorder || !navigator.mediaDevices) {
    $("camera-button").disabled = true;
    say("This browser cannot record video here (it needs HTTPS or localhost); upload a file instead.");
    return;
  }

  const pickType = () => {
    for (const t of ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]) {
      if (MediaRecorder.isTypeSupported(t)) return t;
    }
    return "";
  };

  $("camera-button").addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      say("The camera or microphone could not be opened: " + err.name + ". Allow access, or upload a file.");
      return;
    }
    $("preview").srcObject = stream;
    $("preview").play();
    $("camera-button").disabled = true;
    $("record-button").disabled = false;
    say("Camera ready. Press Record and follow the prompts.");
  });

  const tick = () => {
    const s = (performance.now() - t0) / 1000;
    let cur = steps[0];
    for (const st of steps) if (s >= st.start) cur = st;
    for (const st of steps) st.li.classList.toggle("current", st === cur);
    $("prompt-instruction").textContent = cur.instruction;
    $("prompt-words").textContent = cur.words;
    $("prompt-clock").textContent = `${s.toFixed(0)} s` + (s < minS ? ` (at least ${minS} s)` : "");
    $("stop-button").disabled = s < minS;
    if (s >= autoStopS || s >= maxS) stop();
  };

  const stop = () => {
    if (recorder && recorder.state === "recording") recorder.stop();
    window.clearInterval(timer);
    $("stop-button").disabled = true;
  };

  $("record-button").addEventListener("click", () => {
    chunks = []; blob = null;
    const preview = $("preview");
    if (preview.src) { URL.revokeObjectURL(preview.src); preview.removeAttribute("src"); }
    preview.controls = false;
    preview.muted = true;
    preview.srcObject = stream;
    preview.play();
    const type = pickType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    recorder.ondataavailable = (ev) => { if (ev.data && ev.data.size) chunks.push(ev.data); };
    recorder.onstop = () => {
      blob = new Blob(chunks, { type: recorder.mimeType || "video/webm" });
      const preview = $("preview");
      preview.srcObject = null;
      preview.src = URL.createObjectURL(blob);
      preview.muted = false;
      preview.controls = true;
      $("prompt-instruction").textContent = "Done. Check the clip, then send it.";
      $("prompt-words").textContent = "";
      $("record-button").disabled = false;
      $("record-button").textContent = "Record again";
      $("send-button").disabled = blob.size === 0 || blob.size > maxBytes;
      say(`Recorded ${(blob.size / 1e6).toFixed(1)} MB.` + (blob.size > maxBytes ? " That is over the upload limit." : ""));
    };
    recorder.start(1000);
    t0 = performance.now();
    $("record-button").disabled = true;
    $("send-button").disabled = true;
    timer = window.setInterval(tick, 250);
    tick();
  });

  $("stop-button").addEventListener("click", stop);

  $("send-button").addEventListener("click", () => {
    if (!blob) return;
    const form = new FormData();
    form.append("source", "recording");
    const patient = document.getElementById("record-patient");
    if (patient && patient.value.trim()) form.append("patient", patient.value.trim());
    const ext = blob.type.includes("mp4") ? "mp4" : "webm";
    form.append("video", blob, "recording." + ext);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/assessments");
    xhr.setRequestHeader("X-CSRF-Token", box.dataset.csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) say(`Uploading… ${Math.round(100 * ev.loaded / ev.total)} %`);
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && body.url) {
        if (stream) stream.getTracks().forEach((t) => t.stop());
        window.location.href = body.url;
      } else {
        say("Upload refused: " + (body.detail || xhr.status));
        $("send-button").disabled = false;
      }
    };
    xhr.onerror = () => { say("Upload failed (connection problem); try again."); $("send-button").disabled = false; };
    $("send-button").disabled = true;
    xhr.send(form);
  });
});
