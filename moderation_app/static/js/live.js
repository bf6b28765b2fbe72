/* Live updates and resilient saving. Everything here is an improvement: the pages work
   without it (forms post, "Check again" links reload). */
(function () {
  "use strict";

  var live = document.getElementById("live");
  if (!live) { return; }

  var stateUrl = live.getAttribute("data-state-url");
  var pollMs = parseInt(live.getAttribute("data-poll-ms"), 10) || 1000;
  var etag = null;
  var failures = 0;

  function setText(name, value) {
    var nodes = document.querySelectorAll('[data-live="' + name + '"]');
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].textContent !== String(value)) { nodes[i].textContent = String(value); }
    }
  }

  function needsReload(state) {
    var code = state.vignette ? state.vignette.code : "";
    if (state.status !== live.getAttribute("data-status")) { return true; }
    if (code !== live.getAttribute("data-vignette")) { return true; }
    if (live.getAttribute("data-reload-on-join") === "yes" &&
        String(state.joined) !== live.getAttribute("data-joined")) { return true; }
    if (live.getAttribute("data-consensus") === "no" && state.consensus) { return true; }
    return false;
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(stateUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (state) {
          if (needsReload(state) && !hasUnsavedScores()) { window.location.reload(); return; }
          setText("joined", state.joined);
          setText("submitted", state.submitted);
          setText("complete", state.complete);
          setText("complete-verb", state.complete === 1 ? "has" : "have");
        }
        schedule();
      })
      .catch(function () { failures += 1; schedule(); });
  }

  function schedule() {
    var delay = Math.min(pollMs * Math.pow(2, failures), 15000);
    window.setTimeout(poll, document.hidden ? Math.max(delay, 5000) : delay);
  }

  /* --- Phone: save each choice as it is made, and keep it until the server has it. --- */
  var form = document.querySelector("form[data-autosave]");
  var statusNode = form ? form.querySelector("[data-save-status]") : null;
  var pendingKey = form ? "huddle-pending:" + form.getAttribute("action") : null;
  var saving = false;
  var changedWhileSaving = false;

  function hasUnsavedScores() {
    return !!(pendingKey && window.localStorage && window.localStorage.getItem(pendingKey));
  }

  function say(message) { if (statusNode) { statusNode.textContent = message; } }

  function save() {
    if (!form) { return; }
    if (saving) { changedWhileSaving = true; return; }
    var data = new FormData(form);
    saving = true;
    try { window.localStorage.setItem(pendingKey, "1"); } catch (e) { /* private mode */ }
    say("Saving…");
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      saving = false;
      if (changedWhileSaving) { changedWhileSaving = false; save(); return; }
      if (result.ok) {
        try { window.localStorage.removeItem(pendingKey); } catch (e) { /* ignore */ }
        var n = Object.keys(result.body.saved || {}).length;
        var total = form.querySelectorAll("fieldset").length;
        say("Saved: " + n + " of " + total + " domains" + (n === total ? ". You can still change them until the reveal." : "."));
      } else {
        try { window.localStorage.removeItem(pendingKey); } catch (e) { /* ignore */ }
        say(result.body.error || "Not saved.");
        if (result.status === 409) { window.location.reload(); }
      }
    }).catch(function () {
      saving = false;
      changedWhileSaving = false;
      say("No signal: your choices are kept on this phone and will be sent when it reconnects.");
      window.setTimeout(save, 4000);
    });
  }

  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target && event.target.type === "radio") { save(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save();
    });
    window.addEventListener("online", function () { if (hasUnsavedScores()) { save(); } });
    if (hasUnsavedScores()) { save(); }
  }

  schedule();
}());
