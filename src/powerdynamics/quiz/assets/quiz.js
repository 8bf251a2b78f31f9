// powerdynamics quiz: the one front end of every item kind (choice, case, cue, session).
// ES module: anywidget view in JupyterLab/JupyterLite (Python judges each answer and
// replies with Verdict.as_dict()); in the book, powerdynamics.quiz.static_page turns it
// into a classic script that runs on the verdicts Python embedded. This file holds no
// user-facing text and computes no verdict: strings and verdicts come from Python.
// Text is only ever written with textContent.
const STORE = "powerdynamics:v2:answers";

function h(tag, attrs, kids) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "cls") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids || []) if (kid) e.appendChild(kid);
  return e;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

function load() {
  try { return JSON.parse(window.localStorage.getItem(STORE) || "{}") || {}; } catch (e) { return {}; }
}

function save(all) {
  try { window.localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* private mode */ }
}

// A verdict Python embedded for one answer token, back in Verdict.as_dict() form.
export function decode(item, token) {
  const r = item.v && item.v[token];
  if (!r) return null;
  const t = item.t, parts = [];
  for (let i = 0; i < r[4].length; i += 2) parts.push([t[r[4][i]], t[r[4][i + 1]]]);
  return { correct: r[1] === 1, headline: t[r[2]], feedback: t[r[3]], score: r[0], parts: parts };
}

// Radio or checkbox group: fieldset, legend, one real label per input.
function group(uid, kind, legend, choices) {
  const box = h("fieldset", { cls: "pdq-group" }, [h("legend", { text: legend })]);
  choices.forEach((c, i) => {
    const id = uid + "-" + i;
    const label = h("label", { for: id }, c.name ? [h("span", { cls: "pdq-option-name", text: c.name }),
      document.createTextNode(" "), h("span", { cls: "pdq-option-def", text: c.definition })] : []);
    if (!c.name) label.textContent = c.text;
    box.appendChild(h("div", { cls: "pdq-option" }, [
      h("input", { type: kind, name: uid, id: id, value: String(c.value) }), label]));
  });
  return box;
}

function picked(box, kind) {
  return Array.from(box.querySelectorAll("input[type=" + kind + "]:checked")).map((i) => i.value);
}

function setInputs(box, values, disabled) {
  for (const input of box.querySelectorAll("input")) {
    if (values) input.checked = values.indexOf(input.value) >= 0;
    input.disabled = disabled;
  }
}

export function mount(root, data, judge, persist) {
  const S = data.s, L = data.labels, uid = data.quiz, N = data.items.length;
  const firsts = {};
  const stored = persist ? load() : {};
  for (const c of Array.from(root.children)) if (!/^(SCRIPT|STYLE)$/.test(c.tagName)) c.remove();
  root.classList.add("pdq-quiz");
  const title = h("p", { cls: "pdq-title", id: uid + "-title", text: fill(S.title, { title: data.title }) });
  const scoreEl = h("p", { cls: "pdq-score", role: "status", "aria-live": "polite" });
  const summary = h("div", { cls: "pdq-summary", hidden: true });
  const reset = h("button", { type: "button", cls: "pdq-reset", text: S.reset });
  const section = h("section", { cls: "pdq-section", "aria-labelledby": uid + "-title" }, [title]);
  let pythonScore = null;
  const labelOf = (slug) => ({ value: slug, name: L[slug][0], definition: L[slug][1] });

  function tally() {
    let answered = 0, correct = 0;
    const missed = [];
    data.items.forEach((item) => {
      const f = firsts[item.id];
      if (!f) return;
      answered += 1;
      if (f.correct) correct += 1; else missed.push([item, f]);
    });
    scoreEl.textContent = pythonScore || (answered ? fill(S.score, { c: correct, a: answered, t: N })
      : fill(S.none, { t: N }));
    reset.disabled = answered === 0;
    summary.textContent = "";
    summary.hidden = answered < N;
    if (answered < N) return;
    summary.appendChild(h("p", { cls: "pdq-summary-head", text: missed.length ? S.missedHead : S.allRight }));
    if (!missed.length) return;
    summary.appendChild(h("ul", {}, missed.map((m) => h("li", {
      text: fill(S.missedItem, { n: m[0].n, headline: m[1].headline }) }))));
  }

  function first(item, token, verdict) {
    if (!firsts[item.id]) firsts[item.id] = { correct: verdict.correct, headline: verdict.headline };
    if (persist) {
      const all = load(), s = all[item.id] || { first: token };
      s.last = token;
      all[item.id] = s;
      save(all);
    }
  }

  function feedbackBox() {
    return h("div", { cls: "pdq-feedback", role: "status", "aria-live": "polite", tabindex: "-1" });
  }

  function showVerdict(item, fs, box, v) {
    box.textContent = "";
    fs.classList.remove("pdq-correct", "pdq-wrong", "pdq-partial");
    if (!v) return;
    fs.classList.add(v.correct ? "pdq-correct" : v.score > 0 ? "pdq-partial" : "pdq-wrong");
    box.appendChild(h("p", { cls: "pdq-headline", text: v.headline }));
    if (v.feedback) box.appendChild(h("p", { cls: "pdq-explain", text: v.feedback }));
    if (item.kind === "case") {
      box.appendChild(h("ul", { cls: "pdq-parts" }, v.parts.map((p) => {
        const bar = p[1].indexOf("|"), mark = p[1].slice(0, bar);
        return h("li", { cls: "pdq-part pdq-" + mark, "data-part": p[0], "data-mark": mark,
          text: fill(S.marks[mark], { name: L[p[0]][0] }) + " " + p[1].slice(bar + 1) });
      })));
    } else if (item.kind === "cue") {
      for (const p of v.parts) box.appendChild(h("p", { cls: "pdq-part", "data-part": p[0],
        text: S.sentenceFeedback + " " + p[1] }));
    }
  }

  function itemFrame(item) {
    const fs = h("fieldset", { cls: "pdq-item pdq-kind-" + item.kind, "data-pdq-item": item.id,
      "data-pdq-kind": item.kind }, [h("legend", { text: fill(S.legend, { n: item.n, t: N }) })]);
    if (item.note) fs.appendChild(h("p", { cls: "pdq-content-note", text: S.contentNote }));
    return fs;
  }

  // choice, cue and case: inputs, Check, feedback, Try again.
  function answerItem(item) {
    const fs = itemFrame(item), base = uid + "-" + item.n;
    fs.appendChild(h("p", { cls: "pdq-vignette", text: item.vignette }));
    const kindOf = item.kind === "case" ? "checkbox" : "radio";
    const main = group(base + "-a", kindOf, item.question, item.options.map(labelOf));
    fs.appendChild(main);
    let second = null;
    if (item.kind === "cue") {
      second = group(base + "-s", "radio", item.cue_question,
        item.sentences.map((text, i) => ({ value: i, text: text })));
      fs.appendChild(second);
    } else if (item.kind === "case") {
      second = h("fieldset", { cls: "pdq-group pdq-decisive" }, [h("legend", { text: item.decisive_question })]);
      const hint = h("p", { cls: "pdq-hint", text: S.markFirst });
      second.appendChild(hint);
      const redraw = () => {
        const marked = picked(main, "checkbox"), chosen = picked(second, "radio")[0];
        for (const old of second.querySelectorAll(".pdq-option")) old.remove();
        hint.hidden = marked.length > 0;
        const inner = group(base + "-d", "radio", "", item.options.filter((o) => marked.indexOf(o) >= 0)
          .map(labelOf));
        for (const row of Array.from(inner.querySelectorAll(".pdq-option"))) second.appendChild(row);
        if (chosen) setInputs(second, [chosen], false);
      };
      main.addEventListener("change", redraw);
      second.redraw = redraw;
      fs.appendChild(second);
    }
    const check = h("button", { type: "button", cls: "pdq-check", text: S.check });
    const retry = h("button", { type: "button", cls: "pdq-retry", text: S.retry, hidden: true });
    const box = feedbackBox();
    fs.appendChild(h("div", { cls: "pdq-actions" }, [check]));
    fs.appendChild(box);
    fs.appendChild(h("div", { cls: "pdq-actions" }, [retry]));

    function answer() {
      const a = picked(main, kindOf);
      if (item.kind === "choice") return a.length ? { answer: a[0], token: a[0] } : null;
      const b = picked(second, "radio");
      if (!a.length || !b.length) return null;
      if (item.kind === "cue") {
        return { answer: { label: a[0], sentence: Number(b[0]) }, token: a[0] + "@" + b[0] };
      }
      const marked = a.slice().sort();
      return { answer: { marked: marked, decisive: b[0] }, token: marked.join("+") + ">" + b[0] };
    }
    function lock(on) {
      setInputs(main, null, on);
      if (second) setInputs(second, null, on);
      check.disabled = on;
    }
    function shown(token, v, focus) {
      showVerdict(item, fs, box, v);
      lock(true);
      retry.hidden = v.correct;
      if (focus) box.focus();
    }
    check.addEventListener("click", () => {
      const a = answer();
      if (!a) {
        showVerdict(item, fs, box, null);
        box.appendChild(h("p", { cls: "pdq-headline", text: item.kind === "choice" ? S.chooseFirst
          : item.kind === "cue" ? S.chooseBoth : S.markAndChoose }));
        return;
      }
      check.disabled = true;
      judge(item, a.answer, a.token).then((res) => {
        if (!res.verdict) { check.disabled = false; box.textContent = S.noVerdict; return; }
        if (res.score) pythonScore = res.score;
        first(item, a.token, res.verdict);
        shown(a.token, res.verdict, true);
        tally();
      });
    });
    retry.addEventListener("click", () => {
      setInputs(main, [], false);
      if (second) { setInputs(second, [], false); if (second.redraw) second.redraw(); }
      lock(false);
      showVerdict(item, fs, box, null);
      retry.hidden = true;
      main.querySelector("input").focus();
    });
    const saved = stored[item.id];
    if (saved && saved.last) {
      const v = decode(item, saved.last);
      if (v) {
        if (item.kind === "choice") setInputs(main, [saved.last], false);
        else if (item.kind === "cue") {
          const at = saved.last.split("@");
          setInputs(main, [at[0]], false);
          setInputs(second, [at[1]], false);
        } else {
          const parts = saved.last.split(">");
          setInputs(main, parts[0].split("+"), false);
          second.redraw();
          setInputs(second, [parts[1]], false);
        }
        shown(saved.last, v, false);
      }
    }
    return fs;
  }

  // session: the case, then node by node; the path so far is the answer token.
  function sessionItem(item) {
    const fs = itemFrame(item), base = uid + "-" + item.n;
    fs.appendChild(h("p", { cls: "pdq-case-title", text: item.title }));
    fs.appendChild(h("p", { cls: "pdq-vignette", text: item.case }));
    const steps = h("ol", { cls: "pdq-steps" });
    const stage = h("div", { cls: "pdq-stage" });
    fs.appendChild(steps);
    fs.appendChild(stage);
    let path = [], node = item.start;

    function showNode(focus) {
      stage.textContent = "";
      const n = item.nodes[node];
      stage.appendChild(h("p", { cls: "pdq-say", text: n.say }));
      const moves = group(base + "-m" + path.length, "radio", item.question,
        n.moves.map((m, i) => ({ value: i, text: m.text })));
      const choose = h("button", { type: "button", cls: "pdq-choose", text: S.choose });
      const box = feedbackBox();
      stage.appendChild(moves);
      stage.appendChild(h("div", { cls: "pdq-actions" }, [choose]));
      stage.appendChild(box);
      choose.addEventListener("click", () => {
        const a = picked(moves, "radio");
        if (!a.length) { box.textContent = ""; box.appendChild(h("p", { cls: "pdq-headline", text: S.chooseMove })); return; }
        const taken = path.concat([Number(a[0])]), token = taken.join(".");
        choose.disabled = true;
        judge(item, taken, token).then((res) => {
          const v = res.verdict;
          if (!v) { choose.disabled = false; box.textContent = S.noVerdict; return; }
          const move = n.moves[taken[taken.length - 1]], part = v.parts[v.parts.length - 1];
          const key = part[0].split(":");
          steps.appendChild(h("li", { cls: "pdq-step pdq-" + key[1], "data-rating": key[1] }, [
            h("p", { cls: "pdq-say", text: n.say }),
            h("p", { cls: "pdq-move", text: fill(S.youChose, { move: move.text }) }),
            h("p", { cls: "pdq-principle", text: fill(S.ratings[key[1]], { principle: item.principles[key[2]] }) }),
            h("p", { cls: "pdq-explain", text: part[1] })]));
          path = taken;
          node = move.next;
          const end = node === "end" ? S.sessionEnded : item.nodes[node].end;
          if (end === null || end === undefined) { showNode(true); return; }
          if (res.score) pythonScore = res.score;
          first(item, token, v);
          finish(end, v);
          tally();
        });
      });
      if (focus) moves.querySelector("input").focus();
    }
    function finish(end, v) {
      stage.textContent = "";
      const box = feedbackBox();
      fs.classList.add(v.correct ? "pdq-correct" : v.score > 0 ? "pdq-partial" : "pdq-wrong");
      box.appendChild(h("p", { cls: "pdq-end", text: end }));
      box.appendChild(h("p", { cls: "pdq-headline", text: v.headline }));
      const again = h("button", { type: "button", cls: "pdq-again", text: S.again });
      stage.appendChild(box);
      stage.appendChild(h("div", { cls: "pdq-actions" }, [again]));
      again.addEventListener("click", () => {
        path = []; node = item.start; steps.textContent = "";
        fs.classList.remove("pdq-correct", "pdq-wrong", "pdq-partial");
        showNode(true);
      });
      box.focus();
    }
    showNode(false);
    return fs;
  }

  const sets = data.items.map((item) => (item.kind === "session" ? sessionItem(item) : answerItem(item)));
  for (const item of data.items) {
    const saved = stored[item.id];
    if (saved && saved.first) {
      const v = decode(item, saved.first);
      if (v) firsts[item.id] = { correct: v.correct, headline: v.headline };
    }
  }
  for (const fs of sets) section.appendChild(fs);
  section.appendChild(scoreEl);
  section.appendChild(summary);
  section.appendChild(h("div", { cls: "pdq-actions" }, [reset]));
  root.appendChild(section);
  reset.addEventListener("click", () => {
    if (persist) {
      const all = load();
      for (const item of data.items) delete all[item.id];
      save(all);
    }
    for (const k in firsts) delete firsts[k];
    pythonScore = null;
    if (judge.reset) judge.reset();
    section.remove();
    mount(root, data, judge, persist);
    const input = root.querySelector("input");
    if (input) input.focus();
  });
  tally();
  return root;
}

// The book and trusted notebook outputs: every verdict was embedded by Python.
export function mountStatic(root) {
  if (root.getAttribute("data-pdq-ready")) return;
  const script = root.querySelector("script.pdq-data");
  if (!script) return;
  root.setAttribute("data-pdq-ready", "1");
  const data = JSON.parse(script.textContent);
  mount(root, data, (item, answer, token) => Promise.resolve({ verdict: decode(item, token) }), true);
}

export function boot() {
  const all = () => document.querySelectorAll("[data-pdq-quiz]").forEach(mountStatic);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
}

// JupyterLab / JupyterLite: the view of powerdynamics.quiz.widget.QuizWidget.
export default {
  render({ model, el }) {
    const waiting = {};
    let next = 0;
    const onMsg = (msg) => {
      if (msg && msg.type === "verdict" && waiting[msg.req]) {
        waiting[msg.req]({ verdict: msg.verdict, score: msg.score });
        delete waiting[msg.req];
      }
    };
    model.on("msg:custom", onMsg);
    const judge = (item, answer) => new Promise((resolve) => {
      next += 1;
      waiting[next] = resolve;
      model.send({ type: "answer", req: next, item: item.id, answer: answer });
    });
    judge.reset = () => model.send({ type: "reset" });
    const root = h("div", { cls: "pdq-quiz pdq-live", "data-pdq-live": model.get("data").quiz });
    el.appendChild(root);
    mount(root, model.get("data"), judge, false);
    root.setAttribute("data-pdq-ready", "1");
    return () => model.off("msg:custom", onMsg);
  },
};
