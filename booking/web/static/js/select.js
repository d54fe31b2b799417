// A field to copy from (a feed address shown once): one click selects all of it.
// In a file rather than an onclick attribute: the pages' Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-select-on-click]");
  for (var i = 0; i < fields.length; i++) {
    fields[i].addEventListener("click", function (event) { event.target.select(); });
  }
})();
