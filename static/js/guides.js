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

  /* PHQ-9 item 9 and the like (docs/safety-hazard-log.md). The help sits right after the item.
     Choosing an urgent answer (data-urgent-choices, from the same rule as the server) shows it,
     scrolls it into view, moves focus to it and has it read out: once, so changing the answer
     again neither pulls focus away nor repeats it. Choosing "Not at all" afterwards leaves it
     shown: the help is never taken away from someone who has just asked for it. */
  function setUpUrgentSupport(container) {
    var urgent = (container.getAttribute("data-urgent-choices") || "").split(" ").filter(Boolean);
    var support = container.querySelector("[data-urgent-support]");
    if (!urgent.length || !support) { return; }
    var announced = false;

    function isUrgent(input) {
      return input.checked && urgent.indexOf(input.name + "=" + input.value) !== -1;
    }

    function show() {
      support.hidden = false;
      // An earlier result's reassurance ("not bothering you much") no longer applies.
      var oldResult = container.querySelector("[data-result-not-urgent]");
      if (oldResult) { oldResult.hidden = true; }
    }

    container.addEventListener("change", function (event) {
      if (announced || !isUrgent(event.target)) { return; }
      announced = true;
      var alreadyShown = !support.hidden;
      show();
      if (alreadyShown) { return; }
      support.setAttribute("role", "alert");
      support.scrollIntoView({ block: "start", behavior: reduceMotion ? "auto" : "smooth" });
      support.focus({ preventScroll: true });
    });

    // A page opened with an urgent answer already chosen: the browser keeps answers on going
    // Back, and puts them back only after this script has run, so look again when it shows.
    function showIfAlreadyChosen() {
      var inputs = container.querySelectorAll("input[type=radio]");
      if (Array.prototype.some.call(inputs, isUrgent)) {
        show();
        announced = true;
      }
    }
    showIfAlreadyChosen();
    window.addEventListener("pageshow", showIfAlreadyChosen);
  }

  /* After saving a self-check the page opens at its result (#result): focus it, so a screen
     reader reads it from the start (an urgent result starts with the help). */
  function focusResult() {
    if (window.location.hash !== "#result") { return; }
    var result = document.getElementById("result");
    if (result) { result.focus({ preventScroll: true }); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-breathing]"), setUpBreathing);
  Array.prototype.forEach.call(document.querySelectorAll("[data-grounding]"), setUpGrounding);
  Array.prototype.forEach.call(document.querySelectorAll("[data-questionnaire]"), setUpUrgentSupport);
  focusResult();
}());
