"""The bank's load time in the browser edition: the YAML against the wheel's snapshot.

    python -m bench.bench_lite_bank [--runs 3]

Serves the built site (``make book``) on 127.0.0.1, opens lesson 1 in the browser edition
(Pyodide) in Chromium and, in that kernel, loads the bank both ways, side by side in
the same run: ``Bank.from_files`` (the bounded pure-Python YAML composer, what every
kernel did before the snapshot) and ``load_snapshot`` (JSON, then the same schema).
Prints seconds per way (median of ``--runs``) and the ratio, and checks both give the
same items.  Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from tests.support.lite_page import run_code
from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS, serve_directory

ROOT = Path(__file__).resolve().parent.parent


CODE = ("import time, statistics as st; from powerdynamics.bank.loader import bank_files as bf; "
        "from powerdynamics.bank.snapshot import load_snapshot as ls, SNAPSHOT_NAME as SN; "
        "from powerdynamics.bank.collection import Bank; f = bf(); y = []; s = []; "
        "exec('for _ in range({runs}):\\n t = time.perf_counter(); a = list(Bank.from_files(f)); "
        "y.append(time.perf_counter() - t)\\n t = time.perf_counter(); b = ls(f[0].parent / SN, f); "
        "s.append(time.perf_counter() - t)'); "
        "print('RESULT', st.median(y), st.median(s), a == b, len(a))")


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    site = ROOT / "_build" / "html"
    if not (site / "lite" / "index.html").is_file():
        sys.exit(f"{site / 'lite'}: not built; run make book first")
    base, server = serve_directory(site)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(300_000)
        page.goto(f"{base}/lite/notebooks/index.html?path=01-what-power-dynamics-are.ipynb")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        out = run_code(page, CODE.replace("{runs}", str(args.runs)))
        browser.close()
    server.shutdown()
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", out)
    if not match:
        sys.exit(f"no result from the kernel:\n{out[-2000:]}")
    yaml_s, snap_s, same, n = float(match[1]), float(match[2]), match[3] == "True", int(match[4])
    if not same:
        sys.exit("the snapshot and the YAML gave different items")
    print(f"bank of {n} items in the browser edition (Pyodide), median of {args.runs}, "
          f"load average {os.getloadavg()[0]:.1f}:")
    print(f"  from YAML (bounded pure-Python composer): {yaml_s:6.2f} s")
    print(f"  from the wheel's snapshot (JSON + schema): {snap_s:6.2f} s")
    print(f"  ratio YAML / snapshot: {yaml_s / snap_s:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
