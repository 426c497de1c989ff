// Shuttle screens: print buttons for labels and manifests (the CSP forbids inline handlers).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
