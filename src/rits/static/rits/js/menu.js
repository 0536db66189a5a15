// The header menu (base.html): open on a wide screen, folded behind "Menu" on a narrow one.
// Without this script the menu simply stays open. Escape closes it and returns to "Menu".
(function () {
  "use strict";
  var menu = document.querySelector("[data-rits-menu]");
  if (!menu || !window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 48rem)");
  var sync = function () { menu.open = !narrow.matches; };
  sync();
  if (narrow.addEventListener) narrow.addEventListener("change", sync);
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && narrow.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
