// powerdynamics quiz: the one front end of every item kind (choice, case, cue, session).
// ES module: anywidget view in JupyterLab/JupyterLite (Python judges each answer and
// replies with Verdict.as_dict()); in the book, powerdynamics.quiz.static_page turns it
// into a classic script that runs on the verdicts Python embedded. This file holds no
// user-facing text and computes no verdict: strings and verdicts come from Python.
// Text is only ever written with textContent.
// Saved in localStorage per item id: first (token of the first answer since the quiz was
// last started again), at (its time), last (the latest token), n (answers given in all) and
// past ([correct 1/0, time, token] of earlier first answers; entries saved before tokens
// were kept have none): the browser's progress store.
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
  window.dispatchEvent(new Event("pdq-saved"));
}

function now() {
  return new Date().toISOString().slice(0, 19) + "+00:00";
}

function pastOf(saved) {
  return Array.isArray(saved.past) ? saved.past.filter((p) => Array.isArray(p)) : [];
}

// The saved entry with its first answer moved to past (the quiz is started again).
function retire(saved, correct) {
  const past = pastOf(saved);
  if (saved.first && correct !== null) past.push([correct ? 1 : 0, String(saved.at || ""), saved.first]);
  return { past: past, n: saved.n || 0 };
}

// The browser's progress store as answers [item id, correct, attempt, answered at, token]
// (the token is null where it was not kept: retries, older past entries), per item in the
// order given: earlier first answers, the current one, then one retry (attempt 2) for
// every further answer. correctOf(id, token) is true, false or null (unknown item or token).
export function savedAnswers(all, correctOf) {
  const out = [];
  for (const id of Object.keys(all)) {
    const s = all[id] && typeof all[id] === "object" ? all[id] : {};
    let count = 0;
    for (const p of pastOf(s)) {
      out.push([id, p[0] === 1, 1, String(p[1] || ""), typeof p[2] === "string" ? p[2] : null]);
      count += 1;
    }
    const ok = s.first ? correctOf(id, s.first) : null;
    if (ok !== null) { out.push([id, ok, 1, String(s.at || ""), s.first]); count += 1; }
    for (let i = count; i < (Number(s.n) || 0) && count; i += 1) out.push([id, false, 2, "", null]);
  }
  return out;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// powerdynamics.learner.review.leitner_boxes: replay first-try answers, box per item id.
export function leitner(rule, answers) {
  const state = {};
  for (const a of answers) {
    if (a[2] !== 1) continue;
    const box = state[a[0]] ? state[a[0]].box : 0;
    state[a[0]] = { box: a[1] ? Math.min(Math.max(box, 1) + 1, rule.maxBox) : 1, last: a[3] };
  }
  return state;
}

function interleave(pool) {
  const by = {};
  for (const p of pool) (by[p[1]] = by[p[1]] || []).push(p);
  const queues = Object.keys(by).sort(cmp).map((c) => by[c]), out = [];
  while (queues.some((q) => q.length)) for (const q of queues) if (q.length) out.push(q.shift());
  return out;
}

// powerdynamics.learner.review.review_queue on rule = review_rule(...): item ids, missed
// first, then unseen (categories interleaved), then by rising box, oldest first.
export function reviewQueue(rule, answers) {
  const state = leitner(rule, answers), at = (p) => state[p[0]];
  const known = rule.pool.filter((p) => at(p) && at(p).box > 1).sort((p, q) =>
    at(p).box - at(q).box || cmp(at(p).last, at(q).last) || cmp(p[0], q[0]));
  return interleave(rule.pool.filter((p) => at(p) && at(p).box === 1))
    .concat(interleave(rule.pool.filter((p) => !at(p))), known).map((p) => p[0]);
}

// A case's answer token (powerdynamics.kinds.case.answer_token), "marked1+marked2>decisive",
// read as token_to_answer reads it.
function caseAnswer(token) {
  const at = token.indexOf(">");
  return { marked: (at < 0 ? token : token.slice(0, at)).split("+").filter(Boolean),
    decisive: at < 0 ? "" : token.slice(at + 1) };
}

// powerdynamics.kinds.case.mastery_counts: [category, right] for each category among a case's
// option labels, right when every label of it was judged rightly (marked exactly when at
// work). kase is [{category: [labels]}, [present labels]] (learner.mastery.mastery_cases).
// A token that cannot be read (none kept, or labels that are not options) counts correct.
function caseCounts(kase, token, correct) {
  const groups = kase[0], present = kase[1], cats = Object.keys(groups);
  const options = [].concat(...cats.map((c) => groups[c]));
  const a = typeof token === "string" ? caseAnswer(token) : null;
  const readable = a && a.marked.concat(a.decisive ? [a.decisive] : [])
    .every((l) => options.indexOf(l) >= 0);
  return cats.map((c) => [c, readable
    ? groups[c].every((l) => (a.marked.indexOf(l) >= 0) === (present.indexOf(l) >= 0)) : correct]);
}

// powerdynamics.progress.ProgressStore.summary, then learner.mastery.mastery_rows (m is
// mastery_rule(), cases is mastery_cases(...)): one row per category answered. An answer
// counts in its item's category (categoryOf; items it does not know are left out), a case's
// in each category among its labels (caseCounts).
export function masteryRows(m, answers, categoryOf, cases) {
  const per = {}, seen = {};
  for (const a of answers) {
    const c = categoryOf(a[0]);
    if (!c) continue;
    const kase = cases && Object.prototype.hasOwnProperty.call(cases, a[0]) ? cases[a[0]] : null;
    const first = !seen[a[0]];
    seen[a[0]] = 1;
    for (const [cat, right] of kase ? caseCounts(kase, a[4], a[1]) : [[c, a[1]]]) {
      const r = per[cat] || (per[cat] = { items: 0, first_correct: 0, answers: 0 });
      r.answers += 1;
      if (first) { r.items += 1; r.first_correct += right ? 1 : 0; }
    }
  }
  const named = {}, order = [];
  for (const c of m.order) { named[c[0]] = c[1]; if (per[c[0]]) order.push(c[0]); }
  for (const c of Object.keys(per).sort(cmp)) if (!(c in named)) order.push(c);
  return order.map((c) => {
    const r = per[c], percent = Math.floor(100 * r.first_correct / Math.max(r.items, 1));
    const secure = r.items >= m.min && percent >= m.secure;
    return { category: c in named ? named[c] : c, items: r.items, first_correct: r.first_correct,
      answers: r.answers, percent: percent, advice: r.items < m.min ? m.advice[0] : m.advice[secure ? 1 : 2] };
  });
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

export function mount(root, data, judge, persist, opts) {
  // graded: an assessment (no key here): Python saves each answer and replies "Saved".
  const graded = !!data.graded;
  const S = graded ? Object.assign({}, data.s, data.g) : data.s;
  const L = data.labels, uid = data.quiz, N = data.items.length;
  const review = !!(opts && opts.review);
  const firsts = {}, answeredHere = {};
  // The book keeps answers in the browser; the live quiz is given them by Python.
  const stored = persist && !review ? load() : (data.restored || {});
  for (const c of Array.from(root.children)) if (!/^(SCRIPT|STYLE)$/.test(c.tagName)) c.remove();
  root.classList.add("pdq-quiz");
  const title = h("p", { cls: "pdq-title", id: uid + "-title", text: fill(S.title, { title: data.title }) });
  const scoreEl = h("p", { cls: "pdq-score", role: "status", "aria-live": "polite" });
  const summary = h("div", { cls: "pdq-summary", hidden: true });
  const reset = h("button", { type: "button", cls: "pdq-reset", text: S.reset });
  const section = h("section", { cls: "pdq-section", "aria-labelledby": uid + "-title" }, [title]);
  if (opts && opts.note) section.appendChild(h("p", { cls: "pdq-review-note", text: opts.note }));
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
    if (graded) {
      scoreEl.textContent = fill(answered ? S.score : S.none, { a: answered, t: N });
      reset.hidden = true;
      summary.hidden = true;
      return;
    }
    scoreEl.textContent = pythonScore || (answered ? fill(S.score, { c: correct, a: answered, t: N })
      : fill(review ? S.reviewNotStarted : S.none, { t: N }));
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
      const all = load();
      let s = all[item.id] && typeof all[item.id] === "object" ? all[item.id] : {};
      if (review && !answeredHere[item.id] && s.first) {  // a review starts each item afresh
        const old = decode(item, s.first);
        s = retire(s, old ? old.correct : null);
      }
      if (!s.first) { s.first = token; s.at = now(); }
      answeredHere[item.id] = 1;
      s.last = token;
      s.n = (s.n || 0) + 1;
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
    if (!graded) fs.classList.add(v.correct ? "pdq-correct" : v.score > 0 ? "pdq-partial" : "pdq-wrong");
    box.appendChild(h("p", { cls: "pdq-headline", text: v.headline }));
    if (v.feedback) box.appendChild(h("p", { cls: "pdq-explain", text: v.feedback }));
    if (item.kind === "case" && v.parts.length) {
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
    if (item.saved) fs.appendChild(h("p", { cls: "pdq-saved-note", text: item.saved }));
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
        if (!res.verdict) {
          check.disabled = false;
          box.textContent = graded && res.error ? fill(S.notSaved, { why: res.error }) : S.noVerdict;
          return;
        }
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
          const a = caseAnswer(saved.last);
          setInputs(main, a.marked, false);
          second.redraw();
          setInputs(second, [a.decisive], false);
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
          if (!v) {
            choose.disabled = false;
            box.textContent = graded && res.error ? fill(S.notSaved, { why: res.error }) : S.noVerdict;
            return;
          }
          const move = n.moves[taken[taken.length - 1]];
          if (graded) {  // no rating or feedback: the path is saved, judged at autograde
            steps.appendChild(h("li", { cls: "pdq-step" }, [h("p", { cls: "pdq-say", text: n.say }),
              h("p", { cls: "pdq-move", text: fill(S.youChose, { move: move.text }) })]));
          } else {
            const part = v.parts[v.parts.length - 1], key = part[0].split(":");
            steps.appendChild(h("li", { cls: "pdq-step pdq-" + key[1], "data-rating": key[1] }, [
              h("p", { cls: "pdq-say", text: n.say }),
              h("p", { cls: "pdq-move", text: fill(S.youChose, { move: move.text }) }),
              h("p", { cls: "pdq-principle", text: fill(S.ratings[key[1]], { principle: item.principles[key[2]] }) }),
              h("p", { cls: "pdq-explain", text: part[1] })]));
          }
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
      if (!graded) fs.classList.add(v.correct ? "pdq-correct" : v.score > 0 ? "pdq-partial" : "pdq-wrong");
      box.appendChild(h("p", { cls: "pdq-end", text: end }));
      box.appendChild(h("p", { cls: "pdq-headline", text: v.headline }));
      stage.appendChild(box);
      box.focus();
      if (graded) return;  // a graded session is walked once: its path is the answer
      const again = h("button", { type: "button", cls: "pdq-again", text: S.again });
      stage.appendChild(h("div", { cls: "pdq-actions" }, [again]));
      again.addEventListener("click", () => {
        path = []; node = item.start; steps.textContent = "";
        fs.classList.remove("pdq-correct", "pdq-wrong", "pdq-partial");
        showNode(true);
      });
    }
    if (graded && item.saved) return fs;  // walked already: the saved note says which path
    showNode(false);
    return fs;
  }

  const sets = data.items.map((item) => (item.kind === "session" ? sessionItem(item) : answerItem(item)));
  for (const item of data.items) {
    const saved = stored[item.id];
    if (saved && saved.first) {
      const v = decode(item, saved.first);
      // graded: a saved session path has no verdict to decode, and it is answered all the same
      if (v) firsts[item.id] = { correct: v.correct, headline: v.headline };
      else if (graded) firsts[item.id] = { correct: false, headline: "" };
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
      for (const item of data.items) {
        const s = all[item.id];
        if (!s || typeof s !== "object" || (review && !answeredHere[item.id])) continue;
        const v = s.first ? decode(item, s.first) : null;
        all[item.id] = retire(s, v ? v.correct : null);
      }
      save(all);
    }
    for (const k in firsts) delete firsts[k];
    pythonScore = null;
    if (judge.reset) judge.reset();
    section.remove();
    mount(root, persist ? data : Object.assign({}, data, { restored: {} }), judge, persist, opts);
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
  const data = JSON.parse(script.textContent);
  const judge = (item, answer, token) => Promise.resolve({ verdict: decode(item, token) });
  const review = root.querySelector("script.pdq-review");
  if (!review || !Object.keys(load()).length) {  // no answers: the review as Python built it
    root.setAttribute("data-pdq-ready", "1");
    mount(root, data, judge, true, review ? { review: true, note: data.s.reviewNone } : null);
    return;
  }
  // The Mixed review in the book: the kernel's rule on the answers saved in this browser.
  root.setAttribute("data-pdq-ready", "loading");
  withBank(root).then((r) => {
    root.setAttribute("data-pdq-ready", "1");
    if (!r) { mount(root, data, judge, true); return; }
    const answers = bookAnswers(r.bank), state = leitner(r.rule, answers);
    const ids = reviewQueue(r.rule, answers).slice(0, r.rule.limit);
    const count = { missed: 0, unseen: 0, known: 0 };
    for (const p of r.rule.pool) {
      const st = state[p[0]];
      count[!st ? "unseen" : st.box === 1 ? "missed" : "known"] += 1;
    }
    const items = ids.map((id, i) => Object.assign({}, r.bank.items[id], { n: i + 1 }));
    mount(root, Object.assign({}, data, { labels: r.bank.labels, items: items }), judge, true,
      { review: true, note: answers.length ? fill(data.s.reviewFrom, count) : data.s.reviewNone });
  });
}

// A review's rule (review_rule) and its bank: every item it may show, with verdicts, in
// window.PDQReviewBank from the script sphinx_offline names in data-pdq-bank (loaded once,
// and only when the browser holds answers). Resolves to null where there is no bank.
const banks = {};
function withBank(root) {
  const script = root && root.querySelector("script.pdq-review");
  if (!script) return Promise.resolve(null);
  const rule = JSON.parse(script.textContent), key = JSON.stringify(rule.seed);
  const found = () => (window.PDQReviewBank && window.PDQReviewBank[key]
    ? { rule: rule, bank: window.PDQReviewBank[key] } : null);
  const src = root.getAttribute("data-pdq-bank");
  if (found() || !src) return Promise.resolve(found());
  if (!banks[src]) {
    banks[src] = new Promise((resolve) => {
      const el = h("script", { src: src });
      el.addEventListener("load", () => resolve());
      el.addEventListener("error", () => resolve());
      document.head.appendChild(el);
    });
  }
  return banks[src].then(found);
}

function bookAnswers(bank) {
  return savedAnswers(load(), (id, token) => {
    const v = bank.items[id] ? decode(bank.items[id], token) : null;
    return v ? v.correct : null;
  });
}

// The mastery table of the book's review lesson, from the answers saved in this browser.
function fillMastery() {
  if (!Object.keys(load()).length) return;  // the page already says there are none
  withBank(document.querySelector("[data-pdq-review]")).then((r) => { if (r) showMastery(r); });
}

function showMastery(r) {
  const category = {};
  for (const p of r.rule.pool) category[p[0]] = p[1];
  const answers = bookAnswers(r.bank);
  for (const box of document.querySelectorAll("[data-pdq-mastery]")) {
    const script = box.querySelector("script.pdq-mastery-data");
    if (!script) continue;
    const m = JSON.parse(script.textContent);
    const rows = masteryRows(m, answers, (id) => category[id], r.bank.cases);
    for (const old of Array.from(box.children)) if (old !== script) old.remove();
    if (!rows.length) { box.appendChild(h("p", { text: m.none })); continue; }
    const cells = (r) => [r.category, String(r.items), fill(m.cell, { c: r.first_correct, p: r.percent }),
      String(r.answers), r.advice];
    box.appendChild(h("table", {}, [
      h("thead", {}, [h("tr", {}, m.head.map((t) => h("th", { scope: "col", text: t })))]),
      h("tbody", {}, rows.map((r) => h("tr", {}, cells(r).map((t) => h("td", { text: t })))))]));
    for (const p of document.querySelectorAll(".pdq-no-chart")) p.textContent = m.chart;
  }
}

export function boot() {
  const all = () => {
    document.querySelectorAll("[data-pdq-quiz]").forEach(mountStatic);
    if (document.querySelector("[data-pdq-mastery]")) {
      fillMastery();
      window.addEventListener("pdq-saved", fillMastery);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
}

const OWN_KEYS = /^(ArrowUp|ArrowDown|ArrowLeft|ArrowRight| |Enter|Home|End)$/;

// JupyterLab / JupyterLite: the view of powerdynamics.quiz.widget.QuizWidget.
export default {
  render({ model, el }) {
    const waiting = {};
    let next = 0;
    const onMsg = (msg) => {
      if (msg && msg.type === "verdict" && waiting[msg.req]) {
        waiting[msg.req]({ verdict: msg.verdict, score: msg.score, error: msg.error });
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
    // The keys that work the quiz's own inputs and buttons (arrows through a radio group,
    // Space, Enter) are not notebook shortcuts: without this, ArrowDown on an option moved
    // the notebook to the next cell and a keyboard user could only choose the first option.
    root.addEventListener("keydown", (e) => {
      const control = e.target && /^(INPUT|BUTTON)$/.test(e.target.tagName);
      if (control && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey && OWN_KEYS.test(e.key)) {
        e.stopPropagation();
      }
    });
    el.appendChild(root);
    mount(root, model.get("data"), judge, false);
    root.setAttribute("data-pdq-ready", "1");
    return () => model.off("msg:custom", onMsg);
  },
};
