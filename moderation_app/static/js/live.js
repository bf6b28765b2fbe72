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
          syncSaved(state);
        }
        schedule();
      })
      .catch(function () { failures += 1; schedule(); });
  }

  function schedule() {
    var delay = Math.min(pollMs * Math.pow(2, failures), 15000);
    window.setTimeout(poll, document.hidden ? Math.max(delay, 5000) : delay);
  }

  /* --- Phone: save each choice as it is made, and keep it until the server has it. ---
     The choices waiting to be sent live in localStorage under "huddle-pending:" + the save
     URL (which names the huddle and the vignette), so closing the tab or the browser while
     offline loses nothing: the page for the same vignette ticks them again and sends them. */
  var PENDING = "huddle-pending:";
  var form = document.querySelector("form[data-autosave]");
  var action = form ? form.getAttribute("action") : null;
  var statusNode = form ? form.querySelector("[data-save-status]") : null;
  var pendingKey = form ? PENDING + action : null;
  var saving = false;
  var changedWhileSaving = false;
  var retryTimer = null;

  function store() {
    try { return window.localStorage || null; } catch (e) { return null; } /* blocked */
  }

  /* The choices waiting under a key ({domain: level}), or null when nothing waits. */
  function readPending(key) {
    var storage = store();
    var raw = null;
    if (!storage || !key) { return null; }
    try { raw = storage.getItem(key); } catch (e) { return null; }
    if (!raw) { return null; }
    try {
      var value = JSON.parse(raw);
      return value && value.scores && typeof value.scores === "object" ? value.scores : {};
    } catch (e) { return {}; }
  }

  function writePending(scores) {
    var storage = store();
    if (!storage) { return; }
    try { storage.setItem(pendingKey, JSON.stringify({ scores: scores, at: Date.now() })); }
    catch (e) { /* private mode or full: the open page still holds the choices */ }
  }

  function removePending(key) {
    var storage = store();
    if (storage) { try { storage.removeItem(key); } catch (e) { /* ignore */ } }
  }

  function hasUnsavedScores() { return readPending(pendingKey) !== null; }

  function say(message) { if (statusNode) { statusNode.textContent = message; } }

  function domainKeys() {
    var keys = [];
    var groups = form.querySelectorAll("fieldset .govuk-radios__input");
    for (var i = 0; i < groups.length; i++) {
      var key = groups[i].name.replace(/^score-/, "");
      if (keys.indexOf(key) === -1) { keys.push(key); }
    }
    return keys;
  }

  function chosenScores() {
    var scores = {};
    var checked = form.querySelectorAll('input[type="radio"][name^="score-"]:checked');
    for (var i = 0; i < checked.length; i++) {
      scores[checked[i].name.replace(/^score-/, "")] = checked[i].value;
    }
    return scores;
  }

  /* Tick the given levels ({domain: level}); unknown domains or levels are skipped. */
  function tick(scores) {
    for (var domain in scores) {
      if (!Object.prototype.hasOwnProperty.call(scores, domain)) { continue; }
      var radio = document.getElementById("score-" + domain + "-" + scores[domain]);
      if (radio && radio.form === form && radio.type === "radio") { radio.checked = true; }
    }
  }

  /* The "Saved: N" label in each domain's hint, from what the server has stored. */
  function showSaved(saved) {
    var keys = domainKeys();
    for (var i = 0; i < keys.length; i++) {
      var hint = document.getElementById("score-" + keys[i] + "-hint");
      if (!hint) { continue; }
      var label = hint.querySelector(".app-saved");
      var has = Object.prototype.hasOwnProperty.call(saved, keys[i]);
      if (has && !label) {
        label = document.createElement("strong");
        label.className = "app-saved";
        hint.appendChild(document.createTextNode(" "));
        hint.appendChild(label);
      }
      if (has) {
        label.textContent = "Saved: " + saved[keys[i]];
      } else if (label) {
        label.parentNode.removeChild(label);
      }
    }
  }

  function sayCount(saved) {
    var n = Object.keys(saved).length;
    var total = domainKeys().length;
    say("Saved: " + n + " of " + total + " domains" +
        (n === total ? ". You can still change them until the reveal." : "."));
  }

  function retryLater() {
    if (retryTimer) { window.clearTimeout(retryTimer); }
    retryTimer = window.setTimeout(function () { retryTimer = null; save(); }, 4000);
  }

  function save() {
    if (!form) { return; }
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    writePending(chosenScores());
    if (saving) { changedWhileSaving = true; return; }
    saving = true;
    say("Saving…");
    fetch(action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        return { ok: false, status: response.status, body: null };
      }
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(function (result) {
      saving = false;
      if (result.ok) {
        var saved = result.body.saved || {};
        showSaved(saved);
        if (changedWhileSaving) { changedWhileSaving = false; save(); return; }
        removePending(pendingKey);
        tick(saved); /* the page shows what the server has, even if it drew before this landed */
        sayCount(saved);
      } else if (result.body) {
        /* The server refused these choices: keeping them would only repeat the refusal. */
        changedWhileSaving = false;
        removePending(pendingKey);
        say(result.body.error || "Not saved.");
        if (result.status === 409) { window.location.reload(); }
      } else {
        /* Not an answer from the save (an expired form, a server error page): the choices
           stay on the phone, and a reload sends them with a fresh form. */
        changedWhileSaving = false;
        say("Not saved yet: your choices are kept on this phone. Reload the page to send them.");
      }
    }).catch(function () {
      saving = false;
      changedWhileSaving = false;
      say("No signal: your choices are kept on this phone and will be sent when it reconnects.");
      retryLater();
    });
  }

  /* Choices left on this phone for another vignette of this huddle can no longer be sent:
     say so once, and forget them. */
  function dropStalePending() {
    var prefix = live.getAttribute("data-pending-prefix");
    var storage = store();
    var stale = [];
    if (!prefix || !storage) { return; }
    try {
      for (var i = 0; i < storage.length; i++) {
        var key = storage.key(i);
        if (key && key.indexOf(PENDING + prefix) === 0 && key !== pendingKey) { stale.push(key); }
      }
    } catch (e) { return; }
    if (!stale.length) { return; }
    var codes = [];
    for (var j = 0; j < stale.length; j++) {
      codes.push(decodeURIComponent(stale[j].slice((PENDING + prefix).length)));
      removePending(stale[j]);
    }
    var note = document.createElement("div");
    note.className = "govuk-inset-text app-pending-lost";
    note.setAttribute("role", "status");
    note.textContent = "Choices for " + codes.join(", ") + " were still waiting on this phone " +
      "when scoring on " + (codes.length === 1 ? "it" : "them") + " closed, so they were not sent.";
    live.parentNode.insertBefore(note, live.nextSibling);
  }

  /* After a poll: the labels and ticks follow what the server holds, unless choices wait. */
  function syncSaved(state) {
    if (!form || saving || !state.my_scores || hasUnsavedScores()) { return; }
    if (!state.vignette || state.vignette.code !== live.getAttribute("data-vignette")) { return; }
    showSaved(state.my_scores);
    tick(state.my_scores);
  }

  dropStalePending();
  if (live.getAttribute("data-pending-prefix")) {
    /* With live updates on, the page follows the huddle by itself: no need to check by hand. */
    var manual = document.querySelectorAll("[data-hide-when-live]");
    for (var k = 0; k < manual.length; k++) { manual[k].hidden = true; }
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
    var waiting = readPending(pendingKey);
    if (waiting !== null) {
      tick(waiting);
      save();
    }
  }

  schedule();
}());
