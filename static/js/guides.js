/* Support Space guides: paced breathing and grounding exercises, and urgent support shown the
   moment it is needed. Without this file the exercises are numbered steps and everything saves. */
(function () {
  "use strict";

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text) { element.textContent = text; }
    return element;
  }

  /* A Start/Stop button, a status line read out by screen readers when it changes, and a
     countdown that is only seen (reading every second aloud would drown the instructions). */
  function exerciseControls(container, name) {
    var mount = container.querySelector("[data-exercise-controls]");
    var button = make("button", "button button--secondary", "Start the " + name);
    button.type = "button";
    var status = make("p", "exercise__status");
    status.setAttribute("aria-live", "polite");
    var count = make("p", "exercise__count");
    count.setAttribute("aria-hidden", "true");
    var circle = make("div", "breath-circle");
    circle.setAttribute("aria-hidden", "true");
    mount.appendChild(button);
    mount.appendChild(status);
    mount.appendChild(count);
    return { button: button, status: status, count: count, circle: circle, mount: mount };
  }

  function countdown(seconds, onTick, onDone) {
    var left = seconds;
    onTick(left);
    var timer = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(timer);
        onDone();
      } else {
        onTick(left);
      }
    }, 1000);
    return function stop() { window.clearInterval(timer); };
  }

  function setUpBreathing(container) {
    var pattern = container.getAttribute("data-pattern").split("-").map(Number);
    var rounds = parseInt(container.getAttribute("data-rounds"), 10);
    var names = pattern.length === 3 ? ["Breathe in", "Hold", "Breathe out"] : ["Breathe in", "Hold", "Breathe out", "Hold"];
    var ui = exerciseControls(container, "breathing exercise");
    ui.mount.insertBefore(ui.circle, ui.count);
    var stopCurrent = null;

    function finish(message) {
      if (stopCurrent) { stopCurrent(); }
      stopCurrent = null;
      ui.circle.className = "breath-circle";
      ui.count.textContent = "";
      ui.status.textContent = message;
      ui.button.textContent = "Start the breathing exercise";
    }

    function phase(round, index) {
      if (index >= pattern.length) { round += 1; index = 0; }
      if (round > rounds) { finish("Well done. Notice how you feel now."); return; }
      var seconds = pattern[index];
      var name = names[index];
      ui.status.textContent = name + " for " + seconds + (seconds === 1 ? " second" : " seconds") +
        (index === 0 ? " (round " + round + " of " + rounds + ")" : "");
      ui.circle.style.setProperty("--phase-seconds", seconds + "s");
      if (!reduceMotion) {
        ui.circle.className = "breath-circle " + (name === "Breathe in" ? "breath-circle--in" :
          name === "Breathe out" ? "breath-circle--out" : "breath-circle--hold");
      }
      stopCurrent = countdown(seconds, function (left) { ui.count.textContent = left; },
        function () { phase(round, index + 1); });
    }

    ui.button.addEventListener("click", function () {
      if (stopCurrent) { finish("Stopped. You can start again whenever you like."); return; }
      ui.button.textContent = "Stop";
      phase(1, 0);
    });
  }

  function setUpGrounding(container) {
    var seconds = parseInt(container.getAttribute("data-seconds"), 10);
    var steps = Array.prototype.slice.call(container.querySelectorAll("ol > li"));
    if (!steps.length) { return; }
    var ui = exerciseControls(container, "grounding exercise");
    var next = make("button", "button button--secondary", "Next step");
    next.type = "button";
    next.hidden = true;
    ui.mount.appendChild(next);
    var stopCurrent = null;
    var current = -1;

    function showOnly(index) {
      steps.forEach(function (step, position) { step.classList.toggle("is-current", position === index); });
      container.classList.toggle("is-running", index >= 0);
    }

    function finish(message) {
      if (stopCurrent) { stopCurrent(); }
      stopCurrent = null;
      current = -1;
      showOnly(-1);
      next.hidden = true;
      ui.count.textContent = "";
      ui.status.textContent = message;
      ui.button.textContent = "Start the grounding exercise";
    }

    function go(index) {
      if (stopCurrent) { stopCurrent(); }
      if (index >= steps.length) { finish("Well done. Take a moment before you carry on."); return; }
      current = index;
      showOnly(index);
      ui.status.textContent = "Step " + (index + 1) + " of " + steps.length + ": " + steps[index].textContent;
      stopCurrent = countdown(seconds, function (left) { ui.count.textContent = left; },
        function () { go(index + 1); });
    }

    ui.button.addEventListener("click", function () {
      if (current >= 0) { finish("Stopped. You can start again whenever you like."); return; }
      ui.button.textContent = "Stop";
      next.hidden = false;
      go(0);
    });
    next.addEventListener("click", function () { go(current + 1); });
  }

  /* PHQ-9 item 9 and the like: show urgent support as soon as the answer is chosen. */
  function setUpUrgentSupport(container) {
    var names = (container.getAttribute("data-urgent-items") || "").split(" ").filter(Boolean);
    var support = container.querySelector("[data-urgent-support]");
    if (!names.length || !support) { return; }
    container.addEventListener("change", function (event) {
      var target = event.target;
      if (names.indexOf(target.name) === -1 || !target.checked) { return; }
      if (target.value !== "0") {
        support.hidden = false;
        support.setAttribute("role", "alert");
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-breathing]"), setUpBreathing);
  Array.prototype.forEach.call(document.querySelectorAll("[data-grounding]"), setUpGrounding);
  Array.prototype.forEach.call(document.querySelectorAll("[data-questionnaire]"), setUpUrgentSupport);
}());
