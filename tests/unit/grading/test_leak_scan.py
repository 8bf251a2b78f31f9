"""The leak scan finds keys that were encoded, not only plain ones (issue 17, case 4).

A trainee who could run code would print a secret rot13'd or base64-encoded, most likely as
part of a longer text (a whole cell), so the secret can start at any byte of the encoded
data.  The pooled assignments (issue 12) have no hidden tests: the secrets in the notebooks
are the rubric lines of the hand-graded tasks (anchors, model answers) and the keys live in
the pools, so the planted secret is a rubric line.  Here leaks are planted on purpose:
plain, rot13, and base64 with the secret at each of the three offsets mod 3 inside a longer
blob (on one line and wrapped at 76 characters, as ``base64`` and MIME print it).
``find_leaks`` (the scan of release/, feedback/, the book and the package) must name each
one, and must name nothing in a clean control that holds the same kind of text without a
secret.  Rubric lines are read at run time from exercises/source and keys from
exercises/pools (never written here).
"""

from __future__ import annotations

import base64
import codecs
import json

import pytest

from powerdynamics.grading.pools import encoded_forms, encoded_leaks, key_leaks
from tests.support.leaks import find_leaks
from tests.support.nbgrader_course import POOL_ITEMS, SECRETS

SECRET = (SECRETS.hidden_lines + SECRETS.scheme_lines)[0]  # a rubric line (no hidden tests now)
CELL_HEAD = "### BEGIN SOLUTION\n"  # what precedes a rubric line in a cell (not a secret)


def _blob(offset: int, *, wrap: bool = False) -> str:
    """base64 of a longer text that holds SECRET at byte ``offset`` (mod 3 as given)."""
    head = "x" * offset + "print(1)\n" * 4  # 36 + offset bytes
    data = (head + SECRET + "\nprint('done')\n").encode()
    return base64.encodebytes(data).decode() if wrap else base64.b64encode(data).decode()


def test_the_planted_secret_is_not_aligned_by_accident():
    for offset in range(3):
        plain_prefix = base64.b64encode(SECRET.encode()).decode()[:24]
        found = plain_prefix in _blob(offset)
        assert found == (offset == 0), offset  # the old prefix check missed offsets 1 and 2


@pytest.mark.parametrize("wrap", [False, True], ids=["one-line", "wrapped"])
@pytest.mark.parametrize("offset", [0, 1, 2])
def test_base64_at_every_alignment_is_found(tmp_path, offset, wrap):
    leak = tmp_path / "feedback" / "s1" / "a.html"
    leak.parent.mkdir(parents=True)
    leak.write_text(f"<pre>output:\n{_blob(offset, wrap=wrap)}</pre>\n", encoding="utf-8")
    found = find_leaks(tmp_path / "feedback", encoded=True)
    assert any(f"base64 (offset {offset})" in f and "s1/a.html" in f for f in found), found
    assert find_leaks(tmp_path / "feedback") == []  # the plain scan alone cannot see it


def test_plain_rot13_and_base64_in_notebooks_and_json_are_found(tmp_path):
    root = tmp_path / "feedback"
    (root / "s1").mkdir(parents=True)
    (root / "s1" / "plain.txt").write_text(f"here it is: {SECRET}\n", encoding="utf-8")
    (root / "s1" / "rot.txt").write_text(codecs.encode(CELL_HEAD + SECRET, "rot13"), encoding="utf-8")
    nb = {"cells": [{"cell_type": "code", "source": "leak()", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": [_blob(1)[:30], _blob(1)[30:]]}]}]}
    (root / "s1" / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    urlsafe = base64.urlsafe_b64encode(("yy" + SECRET).encode()).decode()
    (root / "s1" / "url.json").write_text(json.dumps({"token": urlsafe}), encoding="utf-8")
    found = find_leaks(root, encoded=True)
    assert any(f.startswith("s1/plain.txt: hidden/mark-scheme line") for f in found), found
    assert any(f.startswith("s1/rot.txt: rot13 of") for f in found), found
    assert any(f.startswith("s1/nb.ipynb: base64 (offset 1)") for f in found), found
    if any(name.startswith("url-safe") for name, _ in encoded_forms(SECRET)):
        assert any(f.startswith("s1/url.json: url-safe base64") for f in found), found


def test_a_clean_control_is_not_flagged(tmp_path):
    root = tmp_path / "feedback" / "s1"
    root.mkdir(parents=True)
    # The same kinds of text, with an answer that is not a key and no rubric line: a
    # typed answer to a pool item, a rubric-shaped line that is in no rubric.
    choice = next(i for i in POOL_ITEMS if i.kind == "choice")
    innocent = (f'typed_answers = {{"{choice.id}": "not-a-label"}}\nprint("typed answers")\n'
                '- **2**: Anchor: "an invented sentence that is in no mark scheme at all."\n')
    for offset in range(3):
        data = ("z" * offset + innocent * 5).encode()
        (root / f"b{offset}.txt").write_text(base64.b64encode(data).decode(), encoding="utf-8")
        (root / f"w{offset}.txt").write_text(base64.encodebytes(data).decode(), encoding="utf-8")
    (root / "rot.txt").write_text(codecs.encode(innocent, "rot13"), encoding="utf-8")
    (root / "fig.html").write_text('<img src="data:image/png;base64,' + base64.b64encode(
        bytes(range(256)) * 40).decode() + '">', encoding="utf-8")
    assert find_leaks(tmp_path / "feedback", encoded=True) == []
    # The twin with the item's real key is flagged (so the control is close to a leak).
    (root / "twin.txt").write_text(innocent.replace("not-a-label", choice.key), encoding="utf-8")
    assert [f for f in find_leaks(tmp_path / "feedback") if f.startswith("s1/twin.txt")], choice.id


def test_every_hidden_and_scheme_line_has_all_three_alignments():
    assert SECRETS.scheme_lines, "no rubric lines read from exercises/source"
    for line in SECRETS.hidden_lines + SECRETS.scheme_lines:
        names = {name for name, _ in encoded_forms(line)}
        assert {"base64 (offset 0)", "base64 (offset 1)", "base64 (offset 2)"} <= names, line


def test_encoded_pool_prose_is_found_by_key_leaks():
    if not POOL_ITEMS:
        pytest.skip("no graded pools")
    from powerdynamics.grading.pools import pool_secrets

    item = next(i for i in POOL_ITEMS if pool_secrets(i)[0])
    prose = pool_secrets(item)[0][0]
    for offset in range(3):
        text = base64.b64encode(b"#" * (offset + 3) + prose.encode() + b" more").decode()
        assert key_leaks(text, POOL_ITEMS) == []  # plain scan: nothing to see
        found = key_leaks(text, POOL_ITEMS, encoded=True)
        assert any(f.startswith(f"{item.id}: answer prose, base64 (offset {offset})")
                   for f in found), found
    assert encoded_leaks(base64.b64encode(b"unrelated words " * 20).decode(), [prose]) == []
