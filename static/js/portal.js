/* Support Space: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;
  // Where a mouse or trackpad is the main pointer there is almost always a keyboard too.
  var KEYBOARD_LIKELY = "(hover: hover) and (pointer: fine)";

  /* Quick exit: end the session on the server, hide the page and replace it, so Back does not
     return here. Without JavaScript the link goes through /exit, which does the same. */
  function setUpQuickExit() {
    var link = document.querySelector("[data-quick-exit]");
    if (!link) { return; }
    var target = link.getAttribute("data-exit-url");
    var endSessionUrl = link.getAttribute("data-end-session-url");
    var status = document.querySelector("[data-quick-exit-status]");
    var hint = document.querySelector("[data-quick-exit-hint]");

    function exitNow(event) {
      if (event) { event.preventDefault(); }
      document.documentElement.classList.add("is-exiting");
      // No beacon sent: leave through /exit, which ends the session first.
      var ended = postWithToken(endSessionUrl);
      window.location.replace(ended ? target : link.href);
    }

    link.addEventListener("click", exitNow);
    // The shortcut works wherever there is a keyboard, but is only offered where one is likely:
    // on a touch-only phone the hint would be a puzzle.
    if (hint && window.matchMedia && window.matchMedia(KEYBOARD_LIKELY).matches) {
      hint.hidden = false;
    }

    var presses = 0;
    var timer = null;
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") { presses = 0; return; }
      presses += 1;
      window.clearTimeout(timer);
      if (presses >= SHIFT_PRESSES) {
        if (status) { status.textContent = "Leaving this page."; }
        exitNow();
        return;
      }
      if (status) {
        var left = SHIFT_PRESSES - presses;
        status.textContent = "Shift, press " + left + " more " + (left === 1 ? "time" : "times") + " to leave this page.";
      }
      timer = window.setTimeout(function () {
        presses = 0;
        if (status) { status.textContent = ""; }
      }, SHIFT_WINDOW_MS);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Shift") { presses = 0; }
    });
  }

  /* "Show" buttons on password fields. */
  function setUpPasswordToggles() {
    var buttons = document.querySelectorAll("[data-password-toggle]");
    Array.prototype.forEach.call(buttons, function (button) {
      var input = document.getElementById(button.getAttribute("aria-controls"));
      if (!input) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var showing = input.type === "text";
        input.type = showing ? "password" : "text";
        // The button says what it will do next: "Show password" or "Hide password".
        button.firstChild.nodeValue = showing ? "Show" : "Hide";
      });
    });
  }

  function setUpPrintButtons() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* False only when there is a session and no way to tell the server. */
  function postWithToken(url) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!token) { return true; }
    if (!navigator.sendBeacon) { return false; }
    var body = new FormData();
    body.append("csrf_token", token.getAttribute("content"));
    return navigator.sendBeacon(url, body);
  }

  /* Idle timeout. Typing is not idle: we tell the server now and then, so a long entry is never
     lost. Untouched for the idle time, sign out and leave: no private text on an unattended phone. */
  var KEEP_ALIVE_EVERY_MS = 4 * 60000;
  function setUpIdleTimeout() {
    var body = document.body;
    var minutes = parseInt(body.getAttribute("data-idle-minutes"), 10);
    var timeoutUrl = body.getAttribute("data-timeout-url");
    var keepAliveUrl = body.getAttribute("data-keep-alive-url");
    var endSessionUrl = body.getAttribute("data-end-session-url");
    if (!minutes || !timeoutUrl) { return; }
    var timer = null;
    var lastKeepAlive = Date.now();
    function activity() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        postWithToken(endSessionUrl);
        window.location.replace(timeoutUrl);
      }, minutes * 60000);
      if (Date.now() - lastKeepAlive > KEEP_ALIVE_EVERY_MS) {
        lastKeepAlive = Date.now();
        postWithToken(keepAliveUrl);
      }
    }
    ["keydown", "pointerdown", "scroll", "input"].forEach(function (name) {
      document.addEventListener(name, activity, { passive: true });
    });
    activity();
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  setUpQuickExit();
  setUpPasswordToggles();
  setUpPrintButtons();
  setUpIdleTimeout();
  focusErrorSummary();
}());
