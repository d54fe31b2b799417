// Live occupancy badges: listen to each site's Server-Sent Events stream and update the
// badges of its spaces in place. Without the stream (not deployed, or down) the page keeps
// working and says so once; the badges then read "No live data".
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

  function listen(root) {
    var source = new EventSource(root.dataset.occupancyStream);
    source.addEventListener("open", function () { say("live"); });
    source.addEventListener("occupancy", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && data.space) { update(root, data); }
    });
    source.addEventListener("error", function () {
      // CLOSED: the server answered with an error (e.g. 404): EventSource will not retry
      say(source.readyState === EventSource.CLOSED ? "unavailable" : "reconnecting");
    });
  }

  if (!("EventSource" in window)) { say("unavailable"); return; }
  var roots = document.querySelectorAll("[data-occupancy-stream]");
  for (var i = 0; i < roots.length; i++) { listen(roots[i]); }
})();
