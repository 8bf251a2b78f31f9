"""Benchmark of the browser edition (JupyterLite, offline); prints figures (not a test).

- build time of the Lite site (downloads already cached);
- size of the whole site (files and bytes; and gzip-compressed, as a static host sends it);
- cold cache: a new browser profile opens lesson 1 in the Lite edition, presses
  Run > Run All Cells, and waits for the first quiz question ("page open to the first
  quiz ready"); bytes transferred for that (as sent, gzip when the browser asks, as
  most static hosts do; and the same files uncompressed);
- warm cache: the same profile opens the lesson again (the server says
  ``Cache-Control: max-age=3600``, like a typical static host);
- requests that left the machine (must be 0);
- with ``--top N``: the N largest transfers of the first open (where the bytes go).

Usage: python -m bench.bench_lite [--no-build] [--runs N] [--top N]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
LITE = HTML / "lite"
LESSON = "01-what-power-dynamics-are.ipynb"


COMPRESSIBLE = {".js", ".mjs", ".json", ".html", ".css", ".wasm", ".svg", ".ipynb", ".txt", ".ico", ".ttf", ".eot"}


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = 0
        self.raw = 0
        self.requests = 0
        self.by_path: dict[str, int] = {}

    def add(self, sent: int, raw: int, path: str = "") -> None:
        with self.lock:
            self.sent += sent
            self.raw += raw
            self.requests += 1
            self.by_path[path] = self.by_path.get(path, 0) + sent

    def reset(self) -> None:
        with self.lock:
            self.sent = self.raw = self.requests = 0
            self.by_path = {}


@functools.cache
def _gzipped(path: Path, mtime: float) -> bytes:  # noqa: ARG001 - mtime keys the cache
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


def make_handler(root: Path, counter: Counter):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format, *args):  # noqa: A002
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "max-age=3600")
            super().end_headers()

        def do_GET(self) -> None:  # noqa: N802
            path = Path(self.translate_path(unquote(urlparse(self.path).path)))
            if path.is_file() and path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = _gzipped(path, path.stat().st_mtime)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                counter.add(len(body), path.stat().st_size, urlparse(self.path).path)
                return
            super().do_GET()
            if path.is_file():
                size = path.stat().st_size
                counter.add(size, size, urlparse(self.path).path)

    return Handler


def site_size() -> tuple[int, int, int]:
    files = [p for p in LITE.rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(_gzipped(p, p.stat().st_mtime)) if p.suffix in COMPRESSIBLE else p.stat().st_size
                 for p in files)
    return len(files), raw, packed


def open_lesson(page, base: str) -> float:
    """Open lesson 1 in the Lite edition, Run All, wait for the first quiz question."""
    start = time.perf_counter()
    page.goto(f"{base}/lite/notebooks/index.html?path={LESSON}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.get_by_text("Run", exact=True).first.click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.locator(".pdq-live fieldset").first.wait_for()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-build", action="store_true", help="use the Lite site already built")
    parser.add_argument("--runs", type=int, default=1, help="cold and warm runs (median reported)")
    parser.add_argument("--top", type=int, default=0, help="list the N largest transfers of the first open")
    args = parser.parse_args()
    if not args.no_build or not (LITE / "jupyter-lite.json").exists():
        from powerdynamics.lite_build import build

        start = time.perf_counter()
        build(ROOT, LITE, ROOT / ".cache" / "lite", log=lambda _m: None)
        print(f"lite build (downloads cached): {time.perf_counter() - start:.1f} s")
    files, raw, packed = site_size()
    print(f"whole site: {files} files, {raw / 1e6:.1f} MB ({packed / 1e6:.1f} MB gzip-compressed)")

    counter = Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(HTML, counter))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    from playwright.sync_api import sync_playwright

    cold, warm, sent, rawb, outside = [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            context = browser.new_context()  # a new profile: empty cache
            context.on("request", lambda r: (urlparse(r.url).hostname not in ("127.0.0.1", None)
                                             and r.url.startswith("http") and outside.append(r.url)))
            page = context.new_page()
            page.set_default_timeout(240_000)
            counter.reset()
            cold.append(open_lesson(page, base))
            sent.append(counter.sent)
            rawb.append(counter.raw)
            largest = sorted(counter.by_path.items(), key=lambda kv: -kv[1])[: args.top]
            page.close()
            page = context.new_page()
            page.set_default_timeout(240_000)
            warm.append(open_lesson(page, base))
            context.close()
        browser.close()
    server.shutdown()
    print(f"cold cache, page open -> first quiz ready: {statistics.median(cold):.1f} s")
    print(f"warm cache, page open -> first quiz ready: {statistics.median(warm):.1f} s")
    print(f"bytes on first open: {statistics.median(sent) / 1e6:.2f} MB transferred (gzip), "
          f"{statistics.median(rawb) / 1e6:.1f} MB uncompressed")
    print(f"requests that left the machine: {len(outside)}")
    if args.top:
        print(f"largest transfers of the last first open (of {statistics.median(sent) / 1e6:.2f} MB):")
        for path, size in largest:
            print(f"  {size / 1e6:6.2f} MB  {path}")


if __name__ == "__main__":
    main()
