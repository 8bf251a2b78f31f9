"""``bank check`` on hostile YAML: every problem located, bounded in time and memory,
no traceback, and one bad file never hides the others (red-team cases of issue 17)."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from powerdynamics.bank import safe_yaml
from powerdynamics.bank.loader import check_files
from tests.support.paths import FIXTURES

GOOD = FIXTURES / "kinds-sample.yaml"
HEAD = "items:\n  - id: evil-01\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BOMB = "items:\n  - a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"    {chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)) + "    id: *j\n"

CASES = {
    "alias-bomb": (BOMB, "aliases"),
    "unhashable-key": (HEAD + "    ? [a, b]\n    : 1\n", "yaml"),
    "python-tag": (HEAD + "    vignette: !!python/object/apply:os.system ['echo hi']\n", "yaml"),
    "binary": (HEAD + "    vignette: !!binary aGVsbG8=\n", "vignette"),
    "bad-int": (HEAD + "    vignette: !!int 'abc'\n", "cannot read a value"),
    "bad-timestamp": (HEAD + "    vignette: !!timestamp '2020-99-99'\n", "cannot read a value"),
    "bad-merge": (HEAD + "    <<: [1, 2]\n", "yaml"),
    "deep-nesting": ("items:\n  - id: evil-01\n    x: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested deeper"),
    "huge-int": (HEAD + "    vignette: " + "9" * 100_000 + "\n", "cannot read a value"),
    "duplicate-key": (HEAD + "    key: reward\n    key: coercive\n", "appears twice"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_located_and_bounded(tmp_path, name):
    text, expected = CASES[name]
    bad = write(tmp_path, f"{name}.yaml", text)
    start = time.perf_counter()
    items, problems = check_files([bad, GOOD])
    assert time.perf_counter() - start < 5
    messages = [str(p) for p in problems]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(f"{bad}:") for m in messages), "only the bad file has problems"
    assert {i.id for i in items} >= {"case-sample-01", "cue-sample-01"}, "the good file still loads"


def test_oversized_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write("items:\n")
        fh.write(("  - id: x\n" + "    vignette: " + "a" * 1000 + "\n") * 50_000)  # ~50 MB
    _, problems = check_files([big])
    assert len(problems) == 1 and "byte limit" in problems[0].message


def test_symlink_to_dev_zero_fifo_and_folder_are_refused(tmp_path):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    start = time.perf_counter()
    _, problems = check_files([link, fifo, folder, GOOD])
    assert time.perf_counter() - start < 5, "a FIFO must never hang the check"
    refused = {Path(p.file).name for p in problems if "not a regular file" in p.message}
    assert refused == {"zero.yaml", "fifo.yaml", "folder.yaml"}


def test_cli_on_hostile_files_prints_located_lines_and_no_traceback(tmp_path):
    paths = [write(tmp_path, f"{n}.yaml", t) for n, (t, _) in CASES.items()]
    script = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000));"
        "from powerdynamics.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, "bank", "check", *map(str, paths)],
                            capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - start < 60
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln and not ln.startswith("bank check:")]
    assert len({ln.split(":")[0] for ln in lines}) == len(CASES), "every file is reported"
    located = re.compile(r"^[^:]+\.yaml:\d+: [^:]+: [^:]+: .+")
    assert all(located.match(line) for line in lines), lines


def test_bounds_are_what_the_docstring_says():
    assert safe_yaml.MAX_BYTES == 1_000_000 and safe_yaml.MAX_DEPTH == 20 and safe_yaml.MAX_NODES == 100_000
    assert resource.getrlimit(resource.RLIMIT_AS)  # the CLI test can bound memory on this platform
