// The staff's live socket (chargepoints/admin/live.py) for admin pages.
//
// The element with data-csms-live names the socket's path. Each message
// becomes a "csms:changed" event on document; after a reconnect a
// {"type": "network.resync"} event follows, since changes made while the
// socket was down were never heard. data-live-state on the element says
// "connecting", "open" or "closed".
(function () {
  "use strict";

  var MAX_DELAY_MS = 30000;
  var FIRST_DELAY_MS = 1000;

  function announce(detail) {
    document.dispatchEvent(new CustomEvent("csms:changed", { detail: detail }));
  }

  function start(element) {
    var path = element.getAttribute("data-csms-live");
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + path;
    var delay = FIRST_DELAY_MS;
    var opened = false;

    function connect() {
      element.setAttribute("data-live-state", "connecting");
      var socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        element.setAttribute("data-live-state", "open");
        delay = FIRST_DELAY_MS;
        if (opened) {
          announce({ type: "network.resync" });
        }
        opened = true;
      });
      socket.addEventListener("message", function (event) {
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        announce(message);
      });
      socket.addEventListener("close", function () {
        element.setAttribute("data-live-state", "closed");
        // A little randomness, so that pages left open do not all come back at once.
        var wait = delay * (0.8 + 0.4 * Math.random());
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        window.setTimeout(connect, Math.min(wait, MAX_DELAY_MS));
      });
    }

    connect();
  }

  function begin() {
    var element = document.querySelector("[data-csms-live]");
    if (element !== null) {
      start(element);
    }
  }

  // Loaded with "defer" the script runs before DOMContentLoaded; loaded
  // later, the event has passed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", begin);
  } else {
    begin();
  }
})();
