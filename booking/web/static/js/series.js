// The booking form's series total follows the number of dates as it is typed (the page already
// shows it for the number it was sent with; without this script it updates on the next submit).
(function () {
  "use strict";
  var total = document.querySelector("[data-series-total]");
  var count = document.getElementById("count");
  if (!total || !count) { return; }
  var perDate = parseFloat(total.getAttribute("data-per-date"));
  var output = total.querySelector("output");
  var money = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });
  count.addEventListener("input", function () {
    var dates = parseInt(count.value, 10);
    output.textContent = dates > 0 ? money.format(perDate * dates) : "—";
  });
})();
