"""The trainee's course folder and the `powerdynamics lab` launcher, without a server.

Copying never loses a trainee's work; bad input gets a clear message and changes
nothing; the trainee JupyterLab's settings are what the launcher promises.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from powerdynamics.cli import main
from powerdynamics.learner import lab, workspace
from powerdynamics.learner.workspace import MANIFEST, WorkspaceError, sync_lessons
from tests.support.paths import ROOT


def lessons_in(folder: Path, texts: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.ipynb"))


def test_copy_update_and_never_overwrite_an_edited_lesson(tmp_path):
    shipped = tmp_path / "v1"
    ws = tmp_path / "ws" / "PowerDynamics"  # parents are created
    v1 = lessons_in(shipped, {"01-a.ipynb": "one v1", "02-b.ipynb": "two v1", "03-c.ipynb": "three v1"})
    report = sync_lessons(ws, v1, version="1")
    assert sorted(report.copied) == ["01-a.ipynb", "02-b.ipynb", "03-c.ipynb"]
    assert (ws / "01-a.ipynb").read_text() == "one v1"
    assert oct((ws / "01-a.ipynb").stat().st_mode & 0o777) != oct(0o600)  # usual permissions
    manifest = json.loads((ws / MANIFEST).read_text())
    assert set(manifest["lessons"]) == {"01-a.ipynb", "02-b.ipynb", "03-c.ipynb"}

    # The trainee edits lesson 1 and deletes lesson 3; version 2 changes lessons 1 and 2.
    (ws / "01-a.ipynb").write_text("one v1 + my notes")
    (ws / "03-c.ipynb").unlink()
    v2 = lessons_in(tmp_path / "v2", {"01-a.ipynb": "one v2", "02-b.ipynb": "two v2", "03-c.ipynb": "three v1"})
    report = sync_lessons(ws, v2, version="2")
    assert (ws / "01-a.ipynb").read_text() == "one v1 + my notes"  # kept
    assert (ws / "01-a (updated 2).ipynb").read_text() == "one v2"  # the update beside it
    assert (ws / "02-b.ipynb").read_text() == "two v2"  # unedited: brought up to date
    assert (ws / "03-c.ipynb").read_text() == "three v1"  # restored
    assert report.updated == ["02-b.ipynb"] and report.kept == ["01-a.ipynb"]
    notices = "\n".join(report.notices())
    assert "you have changed 01-a.ipynb, so it was kept as it is" in notices
    assert "01-a (updated 2).ipynb" in notices

    # Again: nothing new to say, nothing written; the edit is still there.
    report = sync_lessons(ws, v2, version="2")
    assert report.beside == {} and report.copied == [] and report.updated == []
    assert (ws / "01-a.ipynb").read_text() == "one v1 + my notes"
    assert sorted(p.name for p in ws.iterdir() if not p.name.startswith(".")) == [
        "01-a (updated 2).ipynb", "01-a.ipynb", "02-b.ipynb", "03-c.ipynb"]
    assert not [p for p in ws.iterdir() if p.suffix == ".tmp"]


def test_a_file_of_unknown_origin_is_kept(tmp_path):
    ws = tmp_path / "ws"
    lessons_in(ws, {"01-a.ipynb": "the trainee's own file"})
    (ws / MANIFEST).write_text("not json")  # a damaged manifest is not trusted
    report = sync_lessons(ws, lessons_in(tmp_path / "v1", {"01-a.ipynb": "one"}), version="1")
    assert (ws / "01-a.ipynb").read_text() == "the trainee's own file"
    assert (ws / "01-a (updated 1).ipynb").read_text() == "one"
    assert report.kept == ["01-a.ipynb"]


def test_the_course_teams_notebooks_are_used_in_place(tmp_path):
    shipped = workspace.shipped_lessons()
    assert [p.name for p in shipped] == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    report = sync_lessons(ROOT / "notebooks")  # what `make lab` does
    assert report.in_place and sorted(p.name for p in (ROOT / "notebooks").iterdir()) == before


def test_default_folder_is_in_documents_or_home(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(tmp_path / "Documents"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert workspace.default_workspace() == tmp_path / "PowerDynamics"  # no Documents folder
    (tmp_path / "Documents").mkdir()
    assert workspace.default_workspace() == tmp_path / "Documents" / "PowerDynamics"


def test_a_file_as_folder_is_refused_and_kept(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    assert main(["lab", str(target), "--no-browser", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert target.read_text() == "precious"


def test_an_unwritable_folder_is_refused(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes anywhere a mode allows nothing: use /proc
        folder, missing = Path("/proc/self"), Path("/proc/self/PowerDynamics")
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        missing = folder / "PowerDynamics"
    with pytest.raises(WorkspaceError, match="cannot write in the folder"):
        workspace.prepare_folder(folder)
    assert main(["lab", str(missing), "--no-browser", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot create the folder" in err and "Choose a folder you can write to" in err


def test_a_port_in_use_is_refused_before_anything_is_written(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["lab", str(tmp_path / "ws"), "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is in use" in err and "--port 0" in err
    assert not (tmp_path / "ws").exists()


def test_an_old_python_is_refused_with_a_message(tmp_path, monkeypatch, capsys):
    with pytest.raises(lab.LabError, match=r"needs Python 3\.11 or newer; this is Python 3\.10\.4"):
        lab.check_python((3, 10, 4))
    monkeypatch.setattr(sys, "version_info", (3, 9, 18, "final", 0))
    assert main(["lab", str(tmp_path / "ws"), "--no-browser"]) == 2
    assert "needs Python 3.11 or newer" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


def test_trainee_lab_settings(tmp_path):
    config = lab.write_config(tmp_path / "cfg", shell="/bin/bash")
    server = json.loads((config / "jupyter_server_config.json").read_text())
    off = server["ServerApp"]["jpserver_extensions"]
    assert off["nbgrader.server_extensions.formgrader"] is False
    assert off["nbgrader.server_extensions.course_list"] is False
    assert server["ServerApp"]["terminado_settings"] == {"shell_command": ["/bin/bash"]}
    page = json.loads((config / "labconfig" / "page_config.json").read_text())
    for plugin in ("formgrader", "create-assignment", "course-list", "menu"):
        assert page["disabledExtensions"][f"@jupyter/nbgrader:{plugin}"] is True
    overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    env = lab.lab_environment(config, {"PATH": "/usr/bin:/bin", "JUPYTER_CONFIG_PATH": "/etc/x"})
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["JUPYTER_CONFIG_PATH"] == f"{config}{os.pathsep}/etc/x"
    command = lab.lab_command(tmp_path, "01-a.ipynb", 8890, "t0ken", open_browser=False)
    assert "--ip=127.0.0.1" in command and "--IdentityProvider.token=t0ken" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command and command[-1] == str(tmp_path / "01-a.ipynb")


def test_make_lab_uses_the_launcher_at_notebooks():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlab: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
    assert recipe.strip() == '$(BIN)/powerdynamics lab "$(CURDIR)/notebooks"'
