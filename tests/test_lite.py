"""The browser edition: an offline JupyterLite site of every lesson inside the book.

Checked without a browser: the build's URL scanner and wheel repacking, and the built
site (settings, lock, size, lessons, the link on every lesson page).  In Chromium: a
reader follows lesson 1's link from the book, the Pyodide kernel starts, Run All
completes, a quiz answer gets its feedback from Python, and no request from the page
or its workers goes to a host other than this machine.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from powerdynamics import lite_build
from powerdynamics.lite_build import LINK_TEXT, PYODIDE_DIR, check_site, fetchable_urls

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


# --------------------------------------------------------------------------- no site needed


@pytest.mark.parametrize(("text", "markup"), [
    ('<script src="https://cdn.example.org/x.js"></script>', True),
    ("<link rel=stylesheet href='https://example.org/a.css'>", True),
    ("body { background: url(https://example.org/a.png) }", True),
    ('import("https://example.org/mod.mjs")', False),
    ('{"pyodideUrl": "https://example.org/pyodide/pyodide.mjs"}', False),
    ('e.cdnUrl=`https://cdn.example.net/pyodide/v${U}/full/`', False),
    ('fetch("https://example.org/simple/x/")', False),
    ('new Worker("https://example.org/w.js")', False),
    ('let w="https://example.org/a.whl"', False),
])
def test_scanner_finds_urls_a_browser_would_fetch(text, markup):
    assert fetchable_urls(text.encode(), markup=markup), text


@pytest.mark.parametrize(("text", "markup"), [
    ('<a href="#top">top</a> <svg xmlns="http://www.w3.org/2000/svg"></svg>', True),
    ('{"$schema": "http://json-schema.org/draft-07/schema", "$id": "https://example.org/s.json"}', False),
    ('{"repository": {"url": "https://example.org/project.git"}}', False),
    ("/* derived from https://example.org/blob/main/tabbar.css */", False),
    ('t.href="https://example.org/project",t.target="_blank"', False),
    ('fetch("http://127.0.0.1:8000/x.js")', False),
])
def test_scanner_ignores_links_identifiers_and_comments(text, markup):
    assert fetchable_urls(text.encode(), markup=markup) == [], text


def test_repack_drops_compiled_modules_and_retags(tmp_path):
    source = tmp_path / "demo-1.0-cp314-cp314-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(source, "w") as whl:
        whl.writestr("demo/__init__.py", "try:\n    from ._speed import f\nexcept ImportError:\n    f = None\n")
        whl.writestr("demo/_speed.cpython-314-x86_64-linux-gnu.so", b"\x7fELF")
        whl.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        whl.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
                                                 "Tag: cp314-cp314-manylinux_2_17_x86_64\n")
        whl.writestr("demo-1.0.dist-info/RECORD", "")
    out = lite_build.repack_pure(source, tmp_path)
    assert out.name == "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(out) as whl:
        names = whl.namelist()
        wheel = whl.read("demo-1.0.dist-info/WHEEL").decode()
        record = whl.read("demo-1.0.dist-info/RECORD").decode()
    assert not any(n.endswith(".so") for n in names)
    assert "Tag: py3-none-any" in wheel and "Root-Is-Purelib: true" in wheel and "cp314" not in wheel
    assert "demo/__init__.py,sha256=" in record
    (tmp_path / "again").mkdir()
    again = lite_build.repack_pure(source, tmp_path / "again")
    assert lite_build.sha256(again) == lite_build.sha256(out)  # same bytes every build


def test_lesson_copies_have_no_outputs_and_the_pyodide_kernel():
    nb = lite_build.lesson_copy(ROOT / "notebooks" / LESSONS[0])
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python"


def test_lock_pins_every_download_with_a_checksum():
    lock = lite_build.load_lock(ROOT)
    entries = [lock["pyodide"], *lock["wheels"], *lock["kernel_wheels"]]
    for entry in entries:
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["file"]
    assert lock["pyodide"]["npm"] == "pyodide@314.0.6"
    assert not any(canonical == "jedi" for canonical in (lite_build.canonical(e["name"]) for e in lock["wheels"]))
    pinned = set(lock["tools"].items())
    extra = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name, version in pinned:
        assert f'"{name}=={version}"' in extra, f"pyproject's lite extra does not pin {name}=={version}"


# --------------------------------------------------------------------------- the built site


@pytest.mark.lite
@pytest.mark.book
def test_built_site_is_local_locked_and_small(lite_site):
    assert check_site(lite_site) == []
    config = json.loads((lite_site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    kernel = config["litePluginSettings"][lite_build.KERNEL_PLUGIN]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert kernel["disablePyPIFallback"] is True
    plock = json.loads((lite_site / PYODIDE_DIR / "pyodide-lock.json").read_text(encoding="utf-8"))
    shipped = {p.name for p in (lite_site / PYODIDE_DIR).glob("*.whl")}
    assert {p["file_name"] for p in plock["packages"].values()} == shipped
    assert "powerdynamics" in plock["packages"] and "matplotlib" not in plock["packages"]
    assert (lite_site / PYODIDE_DIR / "pyodide.asm.wasm").exists()
    size = sum(p.stat().st_size for p in lite_site.rglob("*") if p.is_file())
    assert size < 60 * 2**20, f"{size / 2**20:.1f} MiB"
    assert not list(lite_site.rglob(".jupyterlite.doit.db"))
    for lesson in LESSONS:
        assert (lite_site / "files" / lesson).exists(), lesson


@pytest.mark.lite
@pytest.mark.book
def test_every_lesson_page_links_to_its_lite_lesson(built_book, lite_site):
    for lesson in LESSONS:
        page = built_book / "notebooks" / lesson.replace(".ipynb", ".html")
        html = page.read_text(encoding="utf-8")
        href = f'href="../lite/notebooks/index.html?path={lesson}"'
        assert href in html and LINK_TEXT in html, page.name
    assert LINK_TEXT not in (built_book / "book" / "glossary.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- in Chromium


def _leaves_machine(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome", "chrome-extension", "file"):
        return False
    host = parsed.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


@pytest.mark.lite
@pytest.mark.browser
@pytest.mark.book
def test_lesson_1_runs_in_the_browser_and_the_quiz_answers_from_python(built_book, lite_site, serve, browser):
    from powerdynamics import default_bank

    context = browser.new_context()
    requests: list[tuple[str, str]] = []  # (url, kind): page, dedicated workers and service worker alike
    context.on("request", lambda r: requests.append((r.url, r.resource_type)))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(240_000)  # a loaded 2-core machine: ~40 s idle, ~95 s busy
    try:
        base = serve(built_book)
        started = time.monotonic()
        page.goto(f"{base}/notebooks/01-what-power-dynamics-are.html")
        page.get_by_role("link", name=LINK_TEXT).click()
        page.wait_for_url("**/lite/notebooks/**")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        page.get_by_text("Run", exact=True).first.click()
        page.get_by_text("Run All Cells", exact=True).click()

        quiz = page.locator(".pdq-live").first
        quiz.wait_for()
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".every(p => /\\[\\d+\\]/.test(p.textContent))")
        assert prompts.count() >= 1
        assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        ready = time.monotonic() - started

        fs = quiz.locator("fieldset.pdq-kind-choice").first
        item_id = fs.get_attribute("data-pdq-item")
        scenario = next(s for s in default_bank() if s.id == item_id)
        wrong = scenario.distractors[0]
        fs.locator(f"input[value='{wrong}']").click()
        fs.get_by_role("button", name="Check").click()
        fs.get_by_text(scenario.feedback[wrong][:50]).wait_for()  # written by Python in Pyodide
    finally:
        context.close()

    assert errors == [], errors
    urls = [u for u, _ in requests]
    assert any(u.endswith("/pyodide.asm.wasm") for u in urls), "the worker's requests were not observed"
    assert any(u.endswith(".whl") for u in urls)
    outside = [u for u in urls if _leaves_machine(u)]
    assert outside == [], outside
    print(f"lesson 1 in the browser: first quiz ready after {ready:.1f} s, {len(urls)} requests")
