/* A "print" button (`data-print`): shown only where script runs, it opens the browser's
 * print dialog. The page's print styles (site.css) leave only what is to be printed. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    if (typeof window.print !== "function") continue;
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
