"""The pre-parsed bank a wheel carries (powerdynamics.bank.snapshot): the same items as
the YAML, and never used when it was made from other files."""

from __future__ import annotations

import json
import shutil

import pytest

from powerdynamics.bank import collection
from powerdynamics.bank.loader import bank_files
from powerdynamics.bank.snapshot import SNAPSHOT_NAME, load_snapshot, write_snapshot


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in bank_files():
        shutil.copy(path, folder / path.name)
    write_snapshot(sorted(folder.glob("*.yaml")), folder / SNAPSHOT_NAME)
    return folder


def test_the_snapshot_holds_the_same_items_as_the_yaml(data):
    items = load_snapshot(data / SNAPSHOT_NAME, sorted(data.glob("*.yaml")))
    assert items is not None
    assert items == list(collection.Bank.from_files(sorted(data.glob("*.yaml"))))


def test_a_changed_added_or_removed_file_makes_the_snapshot_unused(data):
    files = sorted(data.glob("*.yaml"))
    snapshot = data / SNAPSHOT_NAME
    changed = files[0].read_text(encoding="utf-8") + "\n# edited\n"
    files[0].write_text(changed, encoding="utf-8")
    assert load_snapshot(snapshot, files) is None
    write_snapshot(files, snapshot)
    assert load_snapshot(snapshot, files) is not None
    assert load_snapshot(snapshot, files[1:]) is None  # one file fewer
    (data / "extra.yaml").write_text("items: []\n", encoding="utf-8")
    assert load_snapshot(snapshot, sorted(data.glob("*.yaml"))) is None  # one file more


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": "other", "version": 1}'])
def test_a_damaged_snapshot_is_ignored(data, text):
    (data / SNAPSHOT_NAME).write_text(text, encoding="utf-8")
    assert load_snapshot(data / SNAPSHOT_NAME, sorted(data.glob("*.yaml"))) is None


def test_an_invalid_item_in_a_matching_snapshot_is_ignored(data):
    snapshot = data / SNAPSHOT_NAME
    doc = json.loads(snapshot.read_text(encoding="utf-8"))
    doc["items"][0]["kind"] = "no-such-kind"
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    assert load_snapshot(snapshot, sorted(data.glob("*.yaml"))) is None


def test_default_bank_reads_the_snapshot_and_falls_back_to_yaml(data, monkeypatch):
    files = sorted(data.glob("*.yaml"))
    monkeypatch.setattr(collection, "bank_files", lambda: files)
    from_yaml = collection.Bank.from_files

    def no_yaml(paths):
        raise AssertionError("the YAML was parsed although a matching snapshot is there")

    monkeypatch.setattr(collection.Bank, "from_files", staticmethod(no_yaml))
    assert len(collection.default_bank.__wrapped__()) == len(collection.default_bank())
    (data / SNAPSHOT_NAME).unlink()
    monkeypatch.setattr(collection.Bank, "from_files", from_yaml)
    assert len(collection.default_bank.__wrapped__()) == len(collection.default_bank())
