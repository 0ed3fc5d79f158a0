// "离我最近": ask the phone for its location once, then list the spaces nearest first
// (the home page's `near=lat,lng`, kept with the other filters). Nothing is stored.
(function () {
  "use strict";
  var button = document.getElementById("nearest");
  var status = document.getElementById("near-status");
  if (!button || !status) return;
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var params = new URLSearchParams(window.location.search);
        params.set("near", position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5));
        window.location.search = params.toString();
      },
      function () {
        status.textContent = button.dataset.denied;
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  });
})();
