/* Support Space forms: a character count on long notes, and how a typed time was read. Loaded
   only on pages with those fields; every form works without this file. */
(function () {
  "use strict";

  var ANNOUNCE_COUNT_AFTER_MS = 1000;

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

  setUpCharacterCounts();
  setUpTimeReadings();
}());
