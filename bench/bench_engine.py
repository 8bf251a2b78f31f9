"""Benchmarks of the course engine; prints figures (not a test).

1. Static quiz click-to-feedback latency in headless Chromium (p50, p95, n >= 100).
2. Bytes of quiz code and markup for a 10-question page, ours against jupyterquiz
   rendering the same 10 questions (installed by this script into a scratch
   virtualenv, same run), and the requests each page makes beyond itself; raw and gzip
   (as a static host sends it), and split into the items' own text (the same for both)
   and the rest.
3. ``import powerdynamics`` time against ``import ipywidgets`` (same run, medians of
   fresh interpreters).
4. Live JupyterLab round trip (real server on 127.0.0.1): click on Check -> Python
   judges and records -> feedback shown in the widget, p50/p95 over --live answers.

Usage: python -m bench.bench_engine [--answers 200] [--live 60] [--skip-jupyterquiz] [--skip-lab]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from powerdynamics import ScenarioQuiz
from powerdynamics.labels import label_for
from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS, serve_directory

ROOT = Path(__file__).resolve().parent.parent


PAGE = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bench</title>'
        "</head><body>{body}</body></html>")

MEASURE = """
async ([n]) => {
  const sets = Array.from(document.querySelectorAll('fieldset.pdq-kind-choice'));
  const times = [];
  for (let i = 0; i < n; i++) {
    const fs = sets[i % sets.length];
    const retry = fs.querySelector('.pdq-retry');
    if (!retry.hidden) retry.click();
    if (fs.querySelector('.pdq-check').disabled) {  // answered right: unlock for the next try
      for (const r of fs.querySelectorAll('input')) { r.disabled = false; r.checked = false; }
      fs.querySelector('.pdq-check').disabled = false;
    }
    const radios = fs.querySelectorAll('input[type=radio]');
    radios[i % radios.length].click();
    const t0 = performance.now();
    fs.querySelector('.pdq-check').click();
    await null; await null; await null;  // the verdict look-up resolves in microtasks
    const t1 = performance.now();
    if (!fs.querySelector('.pdq-headline')) throw new Error('no feedback');
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push([t1 - t0, performance.now() - t0]);
  }
  return times;
}
"""


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ten_item_quiz() -> ScenarioQuiz:
    """Ten one-best-answer items (what jupyterquiz can also show)."""
    from powerdynamics.bank.collection import default_bank
    from powerdynamics.ordering import seeded_order

    pool = default_bank().select(category="bases", kinds=["choice"])
    ids = [s.id for s in seeded_order(pool, 42, salt="items", key=lambda s: s.id)][:10]
    return ScenarioQuiz(ids, seed=42, record_progress=False)


def jupyterquiz_questions(quiz: ScenarioQuiz) -> list[dict]:
    out = []
    for planned in quiz.items:
        s = planned.scenario
        out.append({
            "question": s.vignette + " " + "Which base of power best explains why the target goes along?",
            "type": "multiple_choice",
            "answers": [
                {"answer": label_for(o).name, "correct": o == s.key,
                 "feedback": s.explanation if o == s.key else s.feedback[o]}
                for o in planned.options
            ],
        })
    return out


CAPTURE = r"""
import json, sys
import IPython.display as d
import jupyterquiz.dynamic.display as jd
parts = []
def capture(obj):
    parts.append(("js" if type(obj).__name__ == "Javascript" else "html", obj.data))
jd.display = capture
from jupyterquiz import display_quiz
display_quiz(json.load(open(sys.argv[1])))
html = "".join(p for k, p in parts if k == "html")
js = "".join(p for k, p in parts if k == "js")
json.dump({"html": html, "js": js}, open(sys.argv[2], "w"))
"""


def render_jupyterquiz(quiz: ScenarioQuiz, scratch: Path) -> str | None:
    env_dir = scratch / "jq-venv"
    print("  installing jupyterquiz into a scratch virtualenv ...", flush=True)
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "jupyterquiz", "ipython"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("  jupyterquiz could not be installed:", r.stderr.strip()[-300:])
        return None
    version = subprocess.run([str(py), "-c", "import importlib.metadata as m;"
                              "print(m.version('jupyterquiz'))"], capture_output=True, text=True)
    print(f"  jupyterquiz {version.stdout.strip()}")
    questions = scratch / "questions.json"
    questions.write_text(json.dumps(jupyterquiz_questions(quiz)))
    out = scratch / "jq.json"
    r = subprocess.run([str(py), "-c", CAPTURE, str(questions), str(out)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        print("  jupyterquiz failed to render:", r.stderr.strip()[-500:])
        return None
    data = json.loads(out.read_text())
    return data["html"] + "</div><script>" + data["js"] + "</script>"


def content_bytes(questions: list[dict]) -> int:
    """UTF-8 bytes of the items' own text (vignette, question, option names, feedback),
    which any quiz of these 10 questions must carry, whatever its code."""
    return sum(len(t.encode()) for q in questions
               for t in [q["question"], *(a["answer"] for a in q["answers"]),
                         *(a["feedback"] for a in q["answers"])])


def split_bytes(page: str, text: int) -> dict[str, int]:
    raw = len(page.encode())
    return {"raw": raw, "gzip": len(gzip.compress(page.encode(), compresslevel=6, mtime=0)),
            "text": text, "rest": raw - text}


def print_split(name: str, split: dict[str, int]) -> None:
    print(f"   {name + ':':<15}{split['gzip']:>8,} bytes gzip; {split['text']:,} of the"
          f" {split['raw']:,} raw bytes are the items' own text, {split['rest']:,} the rest"
          " (code, styles, markup, answer tables)")


def page_requests(browser, url: str) -> tuple[list[str], list[str]]:
    context = browser.new_context()
    seen: list[str] = []
    errors: list[str] = []
    context.route("**/*", lambda route: (seen.append(route.request.url),
                  route.continue_() if route.request.url.startswith("http://127.0.0.1")
                  else route.abort()))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_timeout(500)
    context.close()
    return [u for u in seen if u != url], errors


def import_times(runs: int = 15) -> dict[str, float]:
    out = {}
    for module in ("powerdynamics", "ipywidgets", "powerdynamics.quiz"):
        code = ("import time; t = time.perf_counter(); import " + module +
                "; print(time.perf_counter() - t)")
        samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                        text=True, check=True).stdout) for _ in range(runs)]
        out[module] = statistics.median(samples) * 1000
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--skip-jupyterquiz", action="store_true")
    parser.add_argument("--live", type=int, default=60)
    parser.add_argument("--skip-lab", action="store_true")
    args = parser.parse_args()


    from playwright.sync_api import sync_playwright

    quiz = ten_item_quiz()
    ours = quiz.to_html()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "ours.html").write_text(PAGE.format(body=ours), encoding="utf-8")
        jq = None if args.skip_jupyterquiz else render_jupyterquiz(quiz, scratch)
        if jq:
            (scratch / "jq.html").write_text(PAGE.format(body=jq), encoding="utf-8")
        base, server = serve_directory(scratch)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{base}/ours.html")
            pairs = page.evaluate(MEASURE, [args.answers])
            dom = [p[0] for p in pairs]
            painted = [p[1] for p in pairs]
            print("\n1. Static quiz: click on Check -> feedback (headless Chromium)")
            print(f"   answers: {len(pairs)}")
            print(f"   feedback in the DOM:      p50 {percentile(dom, .5):.2f} ms  "
                  f"p95 {percentile(dom, .95):.2f} ms  max {max(dom):.2f} ms")
            print(f"   next frame painted:       p50 {percentile(painted, .5):.2f} ms  "
                  f"p95 {percentile(painted, .95):.2f} ms  (bounded below by the 60 Hz frame)")

            print("\n2. A page with the same 10 questions")
            ours_reqs, ours_err = page_requests(browser, f"{base}/ours.html")
            print(f"   powerdynamics: {len(ours.encode()):>8,} bytes of quiz markup+code;"
                  f" requests beyond the page: {len(ours_reqs)}; JS errors: {len(ours_err)}")
            text = content_bytes(jupyterquiz_questions(quiz))
            ours_split = split_bytes(ours, text)
            print_split("powerdynamics", ours_split)
            if jq:
                jq_reqs, jq_err = page_requests(browser, f"{base}/jq.html")
                external = [u for u in jq_reqs if not u.startswith(base)]
                print(f"   jupyterquiz:   {len(jq.encode()):>8,} bytes of quiz markup+code;"
                      f" requests beyond the page: {len(jq_reqs)} ({len(external)} external);"
                      f" JS errors: {len(jq_err)}")
                jq_split = split_bytes(jq, text)
                print_split("jupyterquiz", jq_split)
                print(f"   ratio (ours / jupyterquiz bytes): {len(ours.encode()) / len(jq.encode()):.2f}"
                      f" (gzip {ours_split['gzip'] / jq_split['gzip']:.2f};"
                      f" without the items' own text {ours_split['rest'] / jq_split['rest']:.2f})")
            browser.close()
        server.shutdown()

    print("\n3. Import time (median of 15 fresh interpreters)")
    t = import_times()
    print(f"   import powerdynamics:      {t['powerdynamics']:7.1f} ms")
    print(f"   import ipywidgets:         {t['ipywidgets']:7.1f} ms")
    print(f"   import powerdynamics.quiz: {t['powerdynamics.quiz']:7.1f} ms (bank schema, no widgets)")
    print(f"   ratio powerdynamics / ipywidgets: {t['powerdynamics'] / t['ipywidgets']:.3f}")
    if not args.skip_lab:
        live_round_trip(args.live)
    return 0


LIVE = """
async ([n]) => {
  const root = document.querySelector('.pdq-live');
  const sets = Array.from(root.querySelectorAll('fieldset.pdq-kind-choice'));
  const times = [];
  for (let i = 0; i < n; i++) {
    const fs = sets[i % sets.length];
    const retry = fs.querySelector('.pdq-retry');
    if (!retry.hidden) retry.click();
    if (fs.querySelector('.pdq-check').disabled) {
      for (const r of fs.querySelectorAll('input')) { r.disabled = false; r.checked = false; }
      fs.querySelector('.pdq-check').disabled = false;
    }
    const radios = fs.querySelectorAll('input[type=radio]');
    radios[i % radios.length].click();
    const box = fs.querySelector('.pdq-feedback');
    box.textContent = '';
    const t0 = performance.now();
    fs.querySelector('.pdq-check').click();
    await new Promise((resolve) => {
      const ob = new MutationObserver(() => {
        if (box.querySelector('.pdq-headline')) { ob.disconnect(); resolve(); }
      });
      ob.observe(box, {childList: true, subtree: true});
    });
    await new Promise(r => requestAnimationFrame(r));
    times.push(performance.now() - t0);
  }
  return times;
}
"""


def live_round_trip(answers: int) -> None:
    import nbformat
    from playwright.sync_api import sync_playwright

    from tests.support.localweb import run_notebook_in_lab, start_lab

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        root = scratch / "course"
        root.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(
            "from powerdynamics import ScenarioQuiz\nScenarioQuiz(category='bases', limit=10, seed=42)")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "bench.ipynb")
        env = {"POWERDYNAMICS_PROGRESS_DB": str(scratch / "progress.sqlite3")}
        with start_lab(root, scratch, env) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(60_000)
            run_notebook_in_lab(page, lab, "bench.ipynb")
            page.locator(".pdq-live").wait_for()
            times = page.evaluate(LIVE, [answers])
            browser.close()
    print("\n4. Live JupyterLab round trip: click on Check -> kernel judges and records -> feedback shown")
    print(f"   answers: {len(times)}")
    print(f"   p50 {percentile(times, .5):.1f} ms  p95 {percentile(times, .95):.1f} ms  max {max(times):.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
