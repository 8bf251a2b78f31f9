"""Benchmark of the published book; prints figures (not a test).

- time of a clean ``jupyter-book build`` (HTML removed first, ``--all``);
- bytes of the largest and the median page (the HTML file itself, and with every
  local resource it loads, as Chromium fetched them);
- requests per page (median and maximum), and how many left the machine (must be 0).

Usage: python -m bench.bench_site [--no-build]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS, serve_directory

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"



def clean_build() -> float:
    shutil.rmtree(HTML, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", "--all",
                    "--warningiserror", str(ROOT)], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def recorder(seen: list[str], base: str):
    """A route handler that records every URL and lets only the local server through.
    (One parameter: Playwright passes (route, request) to a two-parameter handler.)"""

    def route(r) -> None:
        seen.append(r.request.url)
        if r.request.url.startswith(base):
            r.continue_()
        else:
            r.abort()

    return route


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="measure the existing _build/html")
    args = parser.parse_args()
    if not args.no_build:
        print(f"clean build: {clean_build():.1f} s")
    pages = sorted(p for p in HTML.rglob("*.html")
                   if not p.relative_to(HTML).parts[0].startswith(("_", ".")))
    sizes = {str(p.relative_to(HTML)): p.stat().st_size for p in pages}

    from playwright.sync_api import sync_playwright

    base, server = serve_directory(HTML)
    requests: dict[str, int] = {}
    transferred: dict[str, int] = {}
    external = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for rel in sizes:
            context = browser.new_context()  # empty cache: count every request
            seen: list[str] = []

            context.route("**/*", recorder(seen, base))
            page = context.new_page()
            page.goto(f"{base}/{rel}", wait_until="load")
            page.wait_for_timeout(300)
            total = 0
            for url in set(seen):
                if url.startswith(base):
                    local = HTML / unquote(urlparse(url).path.lstrip("/"))
                    total += local.stat().st_size if local.is_file() else 0
            requests[rel] = len(seen)
            transferred[rel] = total
            external += sum(not u.startswith(base) for u in seen)
            context.close()
        browser.close()
    server.shutdown()

    largest = max(sizes, key=sizes.get)
    print(f"pages: {len(sizes)}")
    print(f"HTML bytes: largest {sizes[largest]:,} ({largest}), median {statistics.median(sizes.values()):,.0f}")
    big = max(transferred, key=transferred.get)
    print(f"bytes loaded per page (HTML + local assets, cold cache): largest {transferred[big]:,} ({big}),"
          f" median {statistics.median(transferred.values()):,.0f}")
    print(f"requests per page: median {statistics.median(requests.values()):.0f}, "
          f"max {max(requests.values())}; requests that left the machine: {external}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
