// The header's "Menu" button: on a narrow screen the navigation and the tools fold behind it.
// The CSS hides the menu only once this script has marked the header, so without JavaScript
// everything stays reachable. A file rather than inline: the Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  var header = document.querySelector("[data-menu]");
  var toggle = header && header.querySelector("[data-menu-toggle]");
  if (!toggle) { return; }
  function show(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }
  header.classList.add("menu-ready");
  toggle.addEventListener("click", function () { show(toggle.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("menu-open")) { show(false); toggle.focus(); }
  });
})();
