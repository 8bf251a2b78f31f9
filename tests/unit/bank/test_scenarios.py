"""The bank's schema: every rule fails with file, line, item id and field named."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from powerdynamics.kinds.base import ALL_LABELS
from powerdynamics.labels import CATEGORIES
from powerdynamics.scenarios import Bank, BankError, check_files, default_bank

BIN = Path(sys.executable).parent

GOOD = {
    "id": "test-01",
    "category": "bases",
    "vignette": "A nurse explains why the dressing must be changed daily, and the patient agrees.",
    "options": ["expert", "legitimate", "referent"],
    "key": "expert",
    "explanation": "The patient trusts the nurse's specialised knowledge.",
    "feedback": {"legitimate": "No role right is invoked.", "referent": "No admiration is involved."},
    "tags": {"lesson": 2, "setting": "healthcare", "content_note": False},
}


def write_bank(tmp_path: Path, *items: dict, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"items": list(items)}, sort_keys=False), encoding="utf-8")
    return path


def item(**changes) -> dict:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def problems_for(tmp_path: Path, *items: dict) -> list[str]:
    _, problems = check_files([write_bank(tmp_path, *items)])
    return [str(p) for p in problems]


def test_good_item_passes(tmp_path):
    items, problems = check_files([write_bank(tmp_path, item())])
    assert problems == []
    assert [i.id for i in items] == ["test-01"]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"id": "Bad Id"}, "id", "lower-case"),
        ({"category": "vibes"}, "category", "Input should be"),
        ({"vignette": "Too short."}, "vignette", "at least 40"),
        ({"options": ["expert", "legitimate"]}, "options", "at least 3"),
        ({"options": ["expert", "legitimate", "referent", "reward", "coercive"]}, "options", "at most 4"),
        ({"options": ["expert", "legitimate", "narrative"]}, "options", "'narrative' not in category"),
        ({"key": "reward"}, "key", "'reward' is not among the options"),
        ({"feedback": {"legitimate": "x"}}, "feedback", "no feedback for distractor(s) 'referent'"),
        ({"feedback": {"legitimate": "x", "referent": "y", "expert": "z"}}, "feedback",
         "'expert', which is not a distractor"),
        ({"tags": {"lesson": 9, "setting": "healthcare"}}, "tags.lesson", "less than or equal to 7"),
        ({"tags": {"lesson": 2, "setting": "moon"}}, "tags.setting", "unknown setting 'moon'"),
        ({"explanation": None}, "explanation", "Field required"),
        ({"colour": "blue"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_each_rule_names_file_line_item_and_field(tmp_path, changes, field, fragment):
    found = problems_for(tmp_path, item(), item(**{"id": "test-02", **changes}))
    assert found, "the bad item was accepted"
    matching = [p for p in found if f": test-02: {field}: " in p or (field == "id" and ": Bad Id: id: " in p)]
    assert matching, found
    assert fragment in matching[0]
    file, line, *_ = matching[0].split(":")
    assert file.endswith("bank.yaml")
    assert int(line) > 10  # the second item, not the first line of the file


def test_line_number_points_at_the_field(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(textwrap.dedent("""\
        items:
          - id: test-01
            category: bases
            vignette: A nurse explains why the dressing must be changed daily, and the patient agrees.
            options: [expert, legitimate, referent]
            key: reward
            explanation: The patient trusts the nurse's specialised knowledge.
            feedback: {legitimate: a, referent: b}
            tags: {lesson: 2, setting: healthcare}
        """), encoding="utf-8")
    _, problems = check_files([path])
    assert [str(p).split(":", 1)[1] for p in problems][0].startswith("6: test-01: key:")


def test_duplicate_ids_across_files(tmp_path):
    a = write_bank(tmp_path, item(), name="a.yaml")
    b = write_bank(tmp_path, item(), name="b.yaml")
    _, problems = check_files([a, b])
    assert len(problems) == 1
    assert problems[0].field == "id" and "duplicate id" in problems[0].message
    assert problems[0].file.endswith("b.yaml")


def test_yaml_syntax_error_is_located(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("items:\n  - id: x\n    options: [a, b\n", encoding="utf-8")
    _, problems = check_files([path])
    assert len(problems) == 1 and problems[0].field == "yaml" and problems[0].line >= 3


@pytest.mark.parametrize("text", ["", "just a string\n", "items: 3\n", "- a\n"])
def test_wrong_top_level_shapes(tmp_path, text):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = check_files([path])
    assert len(problems) == 1 and problems[0].field == "items"


def test_bank_error_lists_every_problem(tmp_path):
    path = write_bank(tmp_path, item(key="reward"), item(id="test-02", category="vibes"))
    with pytest.raises(BankError) as info:
        Bank.from_files([path])
    assert len(info.value.problems) == 2


def test_select_filters_and_unknown_ids(tmp_path):
    bank = Bank.from_files([write_bank(tmp_path, item(), item(id="test-02", tags={
        "lesson": 4, "setting": "family", "content_note": True}))])
    assert [s.id for s in bank.select(lesson=4)] == ["test-02"]
    assert [s.id for s in bank.select(exclude_content_note=True)] == ["test-01"]
    assert [s.id for s in bank.select(["test-02", "test-01"])] == ["test-02", "test-01"]
    with pytest.raises(KeyError, match="no scenario with id 'nope'"):
        bank.select(["nope"])
    with pytest.raises(ValueError, match="unknown category"):
        bank.select(category="vibes")


def test_shipped_bank_is_valid():
    bank = default_bank()
    assert len(bank) > 0
    for scenario in bank:
        allowed = ALL_LABELS if scenario.category == "mixed" else CATEGORIES[scenario.category].slugs
        assert set(scenario.options) <= set(allowed)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "powerdynamics"), *args], capture_output=True, text=True)


def test_cli_bank_check_ok():
    result = run_cli("bank", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bank check:") and "no problems" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_cli_bank_check_reports_every_problem_without_traceback(tmp_path):
    path = write_bank(tmp_path, item(key="reward"), item(id="test-02", options=["expert", "x", "y"]))
    missing = tmp_path / "missing.yaml"
    result = run_cli("bank", "check", str(path), str(missing))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any(": test-01: key: " in line for line in lines)
    assert any(": test-02: options: " in line for line in lines)
    assert any(line.startswith(f"{missing}:1: -: file: no such file") for line in lines)
    assert lines[-1].startswith("bank check: ")


def test_cli_bank_stats_json_matches_bank():
    result = run_cli("bank", "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    bank = default_bank()
    assert stats["total"] == len(bank)
    assert sum(stats["by_category"].values()) == len(bank)
    assert sum(stats["by_key"].values()) + sum(stats["by_skill"].values()) == len(bank)
    assert stats["by_key"]["expert"] == sum(1 for s in bank if s.key == "expert")
