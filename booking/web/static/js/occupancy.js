// Live occupancy badges: listen to each site's Server-Sent Events stream and update the
// badges of its spaces in place. When the stream is refused (a web worker serves only a few
// at once) or missing, poll the site's occupancy instead. Without either the page keeps
// working and says so; the badges then read "No live data".
(function () {
  "use strict";
  var SYMBOLS = { free: "○", booked: "◐", occupied: "●", stale: "⚠", unknown: "–" };
  var labelsNode = document.getElementById("occupancy-labels");
  if (!labelsNode) { return; }
  var labels = JSON.parse(labelsNode.textContent);
  var statusNode = document.querySelector("[data-live-status]");

  function say(key) {
    if (statusNode) { statusNode.textContent = labels[key]; statusNode.dataset.state = key; }
  }

  function stateOf(data) {
    var reported = typeof data.count === "number" || typeof data.present === "boolean";
    // a space without any reading (no sensor, or one never heard from) has no live data: not "stale"
    if (!reported) { return "unknown"; }
    if (data.fresh === false) { return "stale"; }
    if (data.state && labels[data.state]) { return data.state; }
    if (data.present === true || (typeof data.count === "number" && data.count > 0)) { return "occupied"; }
    if (data.present === false || data.count === 0) { return "free"; }
    return "unknown";
  }

  function update(root, data) {
    var badges = root.querySelectorAll('.occupancy[data-space="' + CSS.escape(String(data.space)) + '"]');
    var state = stateOf(data);
    var text = labels[state];
    if (typeof data.count === "number" && state !== "stale") {
      text += " · " + labels.people.replace("{count}", String(data.count));
    }
    for (var i = 0; i < badges.length; i++) {
      var badge = badges[i];
      if (data.site && badge.dataset.site !== data.site) { continue; }
      badge.dataset.state = state;
      badge.querySelector(".occupancy-symbol").textContent = SYMBOLS[state] || "–";
      badge.querySelector(".occupancy-text").textContent = text;
      if (data.since) {
        var since = new Date(data.since);
        if (!isNaN(since)) {
          badge.title = labels.since.replace("{time}", since.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" }));
        }
      }
    }
  }

  var POLL_MS = 10000;

  function poll(root) {
    var url = root.dataset.occupancyPoll;
    if (!url) { say("unavailable"); return; }
    function once() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (spaces) {
          for (var i = 0; i < spaces.length; i++) {
            if (spaces[i] && spaces[i].space) { update(root, spaces[i]); }
          }
          say("live");
        })
        .catch(function () { say("unavailable"); });
    }
    once();
    window.setInterval(once, POLL_MS);
  }

  function listen(root) {
    var source = new EventSource(root.dataset.occupancyStream);
    source.addEventListener("open", function () { say("live"); });
    source.addEventListener("occupancy", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && data.space) { update(root, data); }
    });
    source.addEventListener("error", function () {
      // CLOSED: the server refused the stream (503: every stream taken; 404): EventSource will
      // not retry, so poll instead. Otherwise it reconnects by itself.
      if (source.readyState === EventSource.CLOSED) { poll(root); } else { say("reconnecting"); }
    });
  }

  var roots = document.querySelectorAll("[data-occupancy-stream]");
  for (var i = 0; i < roots.length; i++) {
    if ("EventSource" in window) { listen(roots[i]); } else { poll(roots[i]); }
  }
})();
