/* powerdynamics static quiz: no kernel, no network. Verdicts are precomputed in
   Python (powerdynamics.scoring.check_answer); this script only looks them up,
   counts first answers and keeps progress in localStorage. Text is only ever
   written with textContent. */
(function () {
  "use strict";
  var STORE = "powerdynamics:v1:answers";
  function load() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "{}") || {}; }
    catch (e) { return {}; }
  }
  function save(all) {
    try { window.localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* private mode */ }
  }
  function para(cls, text) {
    var p = document.createElement("p");
    if (cls) { p.className = cls; }
    p.textContent = text;
    return p;
  }
  function init(root) {
    if (root.getAttribute("data-pdq-ready")) { return; }
    root.setAttribute("data-pdq-ready", "1");
    var data = JSON.parse(root.querySelector("script.pdq-data").textContent);
    var sets = root.querySelectorAll("fieldset.pdq-item");
    var scoreEl = root.querySelector(".pdq-score");
    var summary = root.querySelector(".pdq-summary");
    var reset = root.querySelector(".pdq-reset");
    var nojs = root.querySelector(".pdq-nojs");
    if (nojs) { nojs.hidden = true; }

    function show(i, label) {
      var fs = sets[i], item = data.items[i], box = fs.querySelector(".pdq-feedback");
      var retry = fs.querySelector(".pdq-retry");
      box.textContent = "";
      fs.classList.remove("pdq-correct", "pdq-wrong");
      if (!label) { retry.hidden = true; return; }
      var v = item.verdicts[label];
      fs.classList.add(v.correct ? "pdq-correct" : "pdq-wrong");
      box.appendChild(para("pdq-headline", v.headline));
      box.appendChild(para("pdq-explain", v.feedback));
      retry.hidden = v.correct;
    }
    function update() {
      var all = load(), answered = 0, correct = 0, missed = [];
      data.items.forEach(function (item, i) {
        var s = all[item.id];
        if (s) {
          answered += 1;
          if (s.firstCorrect) { correct += 1; } else { missed.push([i, s]); }
        }
      });
      scoreEl.textContent = data.scoreTemplate.replace("{c}", correct)
        .replace("{a}", answered).replace("{t}", data.items.length);
      reset.disabled = answered === 0;
      summary.textContent = "";
      if (answered < data.items.length) { summary.hidden = true; return; }
      summary.hidden = false;
      if (!missed.length) {
        summary.appendChild(para("pdq-summary-head", "Well done: every first answer was right."));
        return;
      }
      summary.appendChild(para("pdq-summary-head",
        "To review: the questions you missed at the first try."));
      var list = document.createElement("ul");
      missed.forEach(function (m) {
        var item = data.items[m[0]], li = document.createElement("li");
        li.textContent = "Question " + (m[0] + 1) + ": you first chose " +
          data.names[m[1].first] + "; the best answer is " + item.keyName + ". " +
          item.explanation;
        list.appendChild(li);
      });
      summary.appendChild(list);
    }
    Array.prototype.forEach.call(sets, function (fs, i) {
      var item = data.items[i];
      var check = fs.querySelector(".pdq-check"), retry = fs.querySelector(".pdq-retry");
      check.disabled = false;
      check.addEventListener("click", function () {
        var picked = fs.querySelector("input[type=radio]:checked");
        if (!picked) {
          var box = fs.querySelector(".pdq-feedback");
          box.textContent = "";
          box.appendChild(para("pdq-headline", "Choose an option first."));
          return;
        }
        var v = item.verdicts[picked.value], all = load(), s = all[item.id];
        if (!s) { s = { first: picked.value, firstCorrect: v.correct }; }
        s.last = picked.value;
        s.solved = s.solved || v.correct;
        all[item.id] = s;
        save(all);
        show(i, picked.value);
        update();
      });
      retry.addEventListener("click", function () {
        Array.prototype.forEach.call(fs.querySelectorAll("input[type=radio]"), function (r) {
          r.checked = false;
        });
        show(i, null);
        fs.querySelector("input[type=radio]").focus();
      });
      var saved = load()[item.id];
      if (saved && saved.last && item.verdicts[saved.last]) {
        var radio = fs.querySelector("input[value='" + saved.last + "']");
        if (radio) { radio.checked = true; }
        show(i, saved.last);
      }
    });
    reset.addEventListener("click", function () {
      var all = load();
      data.items.forEach(function (item, i) {
        delete all[item.id];
        Array.prototype.forEach.call(sets[i].querySelectorAll("input[type=radio]"), function (r) {
          r.checked = false;
        });
        show(i, null);
      });
      save(all);
      update();
      sets[0].querySelector("input[type=radio]").focus();
    });
    update();
  }
  window.PDQuiz = window.PDQuiz || {
    initAll: function () {
      Array.prototype.forEach.call(document.querySelectorAll("[data-pdq-quiz]"), init);
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.PDQuiz.initAll);
  } else {
    window.PDQuiz.initAll();
  }
}());
