// Door and lobby displays: a wall tablet runs this page for days.
//
// The panel is rendered by the server; this script swaps in a fresh one when the site's occupancy
// stream says the room changed, and every few seconds anyway (bookings change too). It keeps a
// fixed set of timers (one clock, one refresh, at most one stream reconnect and one message), one
// EventSource at a time, and one click listener: nothing grows however long it runs. When no
// fresh panel arrives for a while it says the screen may be out of date; a 401/403 turns the page
// into "not authorised"; a new build id from the server (a deploy) reloads it.
(function () {
  "use strict";
  var root = document.querySelector("[data-display]");
  if (!root || root.dataset.display === "refused") { return; }
  var config = root.dataset;
  var POLL_MS = Math.max(1000, parseFloat(config.poll) * 1000 || 15000);
  var POLL_WITHOUT_STREAM_MS = Math.min(POLL_MS, 5000);
  var STALE_MS = Math.max(2000, parseFloat(config.staleAfter) * 1000 || 60000);
  var MESSAGE_MS = 10000;
  var panel = root.querySelector("[data-panel]");
  var staleNode = root.querySelector("[data-stale]");
  var messageNode = root.querySelector("[data-message]");
  var clockNode = root.querySelector("[data-clock]");
  var lang = document.documentElement.lang || "fr";
  var clockFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: config.timezone });

  var lastFresh = Date.now();
  var skew = 0; // server time minus this device's time, from the panel's data-now
  var stopped = false;
  var refreshTimer = null;
  var soonTimer = null;
  var messageTimer = null;
  var stream = null;
  var streamTimer = null;
  var streamBackoff = 5000;
  var inFlight = false;
  var again = false;

  function headers(extra) {
    var result = { Authorization: "Bearer " + config.token, Accept: "text/html" };
    for (var key in extra || {}) { result[key] = extra[key]; }
    return result;
  }

  function now() { return Date.now() + skew; }

  function tick() {
    if (clockNode) { clockNode.textContent = clockFormat.format(new Date(now())); }
    var countdowns = panel.querySelectorAll("[data-countdown]");
    for (var i = 0; i < countdowns.length; i++) {
      var left = Math.ceil((Date.parse(countdowns[i].dataset.countdown) - now()) / 60000);
      countdowns[i].textContent = String(Math.max(0, left));
    }
    var stale = Date.now() - lastFresh > STALE_MS;
    if (stale !== root.classList.contains("is-stale")) {
      root.classList.toggle("is-stale", stale);
      root.dataset.connection = stale ? "stale" : "live";
      if (staleNode) {
        staleNode.hidden = !stale;
        var last = staleNode.querySelector("[data-last-ok]");
        if (last) { last.textContent = clockFormat.format(new Date(lastFresh + skew)); }
      }
    }
  }

  function say(node) {
    if (!messageNode) { return; }
    window.clearTimeout(messageTimer);
    messageNode.textContent = node.textContent.trim();
    messageNode.className = "door-message " + (node.className || "");
    messageNode.dataset.code = node.dataset.code || "";
    messageNode.hidden = false;
    messageTimer = window.setTimeout(function () { messageNode.hidden = true; }, MESSAGE_MS);
  }

  function place(html) {
    panel.innerHTML = html;
    var said = panel.querySelector("[data-said]");
    if (said) { say(said); said.parentNode.removeChild(said); }
    var fresh = panel.querySelector("[data-now]");
    if (fresh) { skew = Date.parse(fresh.dataset.now) - Date.now() || 0; }
    lastFresh = Date.now();
    tick();
  }

  function refuse(html) {
    stopped = true;
    window.clearTimeout(refreshTimer);
    window.clearTimeout(soonTimer);
    window.clearTimeout(streamTimer);
    if (stream) { stream.close(); stream = null; }
    root.innerHTML = html;
    root.dataset.display = "refused";
    root.classList.remove("is-stale");
  }

  // Every answer: a deploy reloads the page, a refusal ends it, anything else replaces the panel.
  function receive(response) {
    var build = response.headers.get("X-Display-Build");
    if (build && config.build && build !== config.build) {
      stopped = true;
      window.location.reload();
      return null;
    }
    return response.text().then(function (html) {
      // the token was refused (revoked, or made for another display)
      if ((response.status === 401 || response.status === 403) && html.indexOf("data-refused") >= 0) {
        refuse(html);
        return;
      }
      // a fresh panel, also when a door action was refused (409, 422...): it carries the reason
      if (html.indexOf("data-state=") >= 0) { place(html); return; }
      throw new Error("HTTP " + response.status);
    });
  }

  function schedule() {
    window.clearTimeout(refreshTimer);
    if (stopped) { return; }
    var streaming = stream && stream.readyState === 1;
    refreshTimer = window.setTimeout(refresh, streaming ? POLL_MS : POLL_WITHOUT_STREAM_MS);
  }

  function refresh() {
    if (stopped) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    window.clearTimeout(refreshTimer);
    fetch(config.panelUrl, { headers: headers(), cache: "no-store", credentials: "omit" })
      .then(receive)
      .catch(function () { /* stale is judged by the clock: see tick() */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refresh(); } else { schedule(); }
      });
  }

  // Several changes in one burst (a lobby hears every room) make one refresh.
  function soon() {
    if (soonTimer === null && !stopped) {
      soonTimer = window.setTimeout(function () { soonTimer = null; refresh(); }, 150);
    }
  }

  function listen() {
    streamTimer = null;
    if (stopped || !("EventSource" in window) || !config.streamUrl) { return; }
    stream = new EventSource(config.streamUrl);
    stream.addEventListener("open", function () { streamBackoff = 5000; soon(); });
    stream.addEventListener("occupancy", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!config.space || (data && data.space === config.space)) { soon(); }
    });
    stream.addEventListener("error", function () {
      // CLOSED: refused (every stream of the worker taken, or the server restarting): EventSource
      // gives up, so try again later; polling carries on meanwhile. Otherwise it retries by itself.
      if (stream && stream.readyState === EventSource.CLOSED) {
        stream.close();
        stream = null;
        if (!stopped) {
          streamTimer = window.setTimeout(listen, streamBackoff);
          streamBackoff = Math.min(streamBackoff * 2, 60000);
        }
      }
    });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button || stopped) { return; }
    event.preventDefault();
    var buttons = panel.querySelectorAll("button[data-action]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    var body = new URLSearchParams();
    if (button.dataset.booking) { body.set("booking", button.dataset.booking); }
    if (button.dataset.minutes) { body.set("minutes", button.dataset.minutes); }
    fetch(button.dataset.url, {
      method: "POST",
      headers: headers({ "Content-Type": "application/x-www-form-urlencoded" }),
      body: body.toString(),
      credentials: "omit",
    })
      .then(receive)
      .catch(function () {
        for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
        var node = document.createElement("p");
        node.className = "refused";
        node.dataset.code = "unreachable";
        node.textContent = config.unreachable || "";
        say(node);
      });
  });

  window.setInterval(function () { if (!stopped) { tick(); } }, 1000);
  root.dataset.connection = "live";
  tick();
  listen();
  schedule();
})();
