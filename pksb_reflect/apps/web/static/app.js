// Progressive enhancement: the form works without this file. With it, a check runs in place
// (the report replaces the old one, the models stay loaded), a progress line shows while it
// works, a dropped file is taken, and after a check the edit box holds the text just checked.
(function () {
  "use strict";
  var form = document.getElementById("check");
  if (!form || !window.fetch || !window.FormData) return;
  var button = document.getElementById("submit");
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  var error = document.getElementById("error");
  var report = document.getElementById("report");
  var text = document.getElementById("text");
  var file = document.getElementById("file");
  var drop = document.getElementById("drop");

  function busy(on) {
    button.disabled = on;
    progress.hidden = !on;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    busy(true);
    var started = Date.now();
    progressText.textContent = "Checking\u2026";
    var timer = window.setInterval(function () {
      var s = Math.round((Date.now() - started) / 1000);
      progressText.textContent = "Checking\u2026 " + s + " s (the first check loads the models)";
    }, 1000);
    fetch("/", {method: "POST", body: new FormData(form), headers: {"X-Requested-With": "fetch"},
                credentials: "same-origin"})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (result) {
        if (!result.ok) throw new Error(result.body.error || "the check failed");
        report.innerHTML = result.body.html;
        text.value = result.body.text;
        document.getElementById("name").value = result.body.name;
        file.value = "";
        report.setAttribute("data-seconds", ((Date.now() - started) / 1000).toFixed(2));
        report.focus();
      })
      .catch(function (err) {
        error.textContent = err.message;
        error.hidden = false;
      })
      .finally(function () {
        window.clearInterval(timer);
        busy(false);
      });
  });

  // A sentence's reason can be dismissed with Escape without moving focus (WCAG 1.4.13).
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Escape" && target.classList && target.classList.contains("s")) {
      target.classList.add("quiet");
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.classList) event.target.classList.remove("quiet");
  });

  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) file.files = event.dataTransfer.files;
  });
})();
