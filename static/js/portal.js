/* Support Space: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;
  // Where a mouse or trackpad is the main pointer there is almost always a keyboard too.
  var KEYBOARD_LIKELY = "(hover: hover) and (pointer: fine)";
  var ANNOUNCE_COUNT_AFTER_MS = 1000;

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
      postWithToken(endSessionUrl);
      window.location.replace(target);
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

  /* Character counts, as GOV.UK's: how many characters are left, shown as the person types and
     told to a screen reader once they pause, not at every key. Without JavaScript the hint
     below the box says the limit; it stays as the box's description for screen readers. */
  function setUpCharacterCounts() {
    var groups = document.querySelectorAll("[data-character-count]");
    Array.prototype.forEach.call(groups, function (group) {
      var box = group.querySelector("textarea");
      var limit = group.querySelector("[data-character-count-limit]");
      var maximum = parseInt(group.getAttribute("data-maximum"), 10);
      if (!box || !limit || !maximum) { return; }
      var hadError = box.classList.contains("textarea--error");
      var status = document.createElement("div");
      status.className = "hint character-count__status";
      status.setAttribute("aria-hidden", "true");
      status.setAttribute("data-character-count-status", "");
      var announcement = document.createElement("div");
      announcement.className = "visually-hidden";
      announcement.setAttribute("aria-live", "polite");
      announcement.setAttribute("data-character-count-announcement", "");
      limit.classList.add("visually-hidden");
      limit.parentNode.insertBefore(announcement, limit.nextSibling);
      limit.parentNode.insertBefore(status, announcement);

      function left() {
        // Characters as the server counts them (portal.forms.MaxLength): an emoji is one.
        return maximum - Array.from(box.value).length;
      }
      function message() {
        var count = left();
        var number = Math.abs(count).toLocaleString("en-GB");
        var noun = Math.abs(count) === 1 ? "character" : "characters";
        return count < 0 ? "You have " + number + " " + noun + " too many"
          : "You have " + number + " " + noun + " remaining";
      }
      function show() {
        var over = left() < 0;
        status.textContent = message();
        status.classList.toggle("character-count__status--over", over);
        box.classList.toggle("textarea--error", hadError || over);
      }
      var timer = null;
      box.addEventListener("input", function () {
        show();
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          announcement.textContent = message();
        }, ANNOUNCE_COUNT_AFTER_MS);
      });
      show();
    });
  }

  function setUpPrintButtons() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* Time boxes: as the person leaves one, say how what they typed was read ("We read “2245” as
     22:45, which is 10:45pm."). The server reads it, with the same rules as when the form is
     sent, so the rules live in one place; the line's element is a polite live region. */
  function setUpTimeReadings() {
    var token = document.querySelector('meta[name="csrf-token"]');
    var boxes = document.querySelectorAll("[data-read-time-url]");
    if (!token || !window.fetch) { return; }
    Array.prototype.forEach.call(boxes, function (box) {
      var line = document.getElementById(box.id + "-read-as");
      if (!line) { return; }
      box.addEventListener("change", function () {
        var typed = box.value;
        var body = new FormData();
        body.append("csrf_token", token.getAttribute("content"));
        body.append("typed", typed);
        fetch(box.getAttribute("data-read-time-url"), {
          method: "POST", body: body, credentials: "same-origin", redirect: "error"
        }).then(function (response) {
          return response.ok ? response.json() : { read_as: "" };
        }).catch(function () {
          return { read_as: "" };
        }).then(function (answer) {
          // A slow answer about something since retyped says nothing.
          if (box.value === typed) { line.textContent = answer.read_as || ""; }
        });
      });
    });
  }

  function postWithToken(url) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!token || !navigator.sendBeacon) { return; }
    var body = new FormData();
    body.append("csrf_token", token.getAttribute("content"));
    navigator.sendBeacon(url, body);
  }

  /* Idle timeout on a signed-in page. Someone typing is not idle: while they use the page we
     tell the server now and then, so a long diary entry is never lost to the timeout. When
     nobody has touched the page for the idle time, sign out and leave, so private text does
     not stay on the screen of an unattended phone. */
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
  setUpCharacterCounts();
  setUpPrintButtons();
  setUpTimeReadings();
  setUpIdleTimeout();
  focusErrorSummary();
}());
