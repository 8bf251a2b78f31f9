"""The trainee's course folder: the lesson notebooks copied out of the package.

``powerdynamics lab`` calls :func:`sync_lessons` before it starts JupyterLab. The rules,
so that nothing a trainee wrote is ever lost:

- a lesson that is not in the folder yet is copied there;
- a lesson that is exactly as shipped (or exactly as an earlier version shipped it) is
  brought up to date;
- a lesson the trainee has changed (edited, run and saved, or of unknown origin) is
  never touched: when the package holds a different version, that version is written
  *beside* it (``NAME (updated VERSION).ipynb``) and a notice says so.

A manifest (``.powerdynamics-lessons.json``, hidden in JupyterLab's file browser) keeps
the SHA-256 of every lesson as it was copied, which is how "changed" is told apart from
"an older version". Files are written to a temporary name first and moved into place,
and a file that already exists is never replaced unless its bytes are the ones the
manifest recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".powerdynamics-lessons.json"
FOLDER_NAME = "PowerDynamics"


class WorkspaceError(Exception):
    """A problem with the course folder, worded for the trainee."""


def shipped_lessons_dir() -> Path:
    """Where the lesson notebooks of this installation are.

    In a wheel they are package data (``powerdynamics/lessons/``, copied from the
    repository's ``notebooks/`` at build time); in a source checkout or an editable
    install they are the repository's ``notebooks/`` folder itself."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "lessons"
    if any(packaged.glob("*.ipynb")):
        return packaged
    checkout = here.parent.parent / "notebooks"
    if any(checkout.glob("*.ipynb")):
        return checkout
    raise WorkspaceError(f"this installation of powerdynamics holds no lessons (looked in {packaged})")


def shipped_lessons() -> list[Path]:
    return sorted(shipped_lessons_dir().glob("*.ipynb"))


def default_workspace() -> Path:
    """``PowerDynamics`` in the user's documents folder, or in the home folder when
    there is no documents folder."""
    import platformdirs

    documents = Path(platformdirs.user_documents_dir())
    return (documents if documents.is_dir() else Path.home()) / FOLDER_NAME


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_copy(folder: Path, data: bytes) -> str:
    """``data`` in a new temporary file in ``folder``, with the usual permissions."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".powerdynamics-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and check that files can be written there."""
    folder = Path(os.path.expanduser(folder))
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(
            f"{folder} is a file, not a folder. Give the name of a folder for the course "
            "(it is created if it does not exist); the file was not changed.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the folder {folder}: {exc.strerror or exc}. "
                             "Choose a folder you can write to.") from exc
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".powerdynamics-probe-"):
            pass
    except OSError as exc:
        raise WorkspaceError(f"cannot write in the folder {folder}: {exc.strerror or exc}. "
                             "Choose a folder you can write to; nothing was changed.") from exc
    return folder.resolve()


def _write_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` only if ``path`` does not exist; True if written."""
    tmp = _temp_copy(path.parent, data)
    try:
        try:
            os.link(tmp, path)  # fails if path exists: never replaces anything
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system
            if path.exists():
                return False
            os.replace(tmp, path)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _replace_if_unchanged(path: Path, data: bytes, expected: str) -> bool:
    """Replace ``path`` by ``data`` if its bytes still hash to ``expected``."""
    tmp = _temp_copy(path.parent, data)
    try:
        if _file_hash(path) != expected:
            return False
        os.replace(tmp, path)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass
class SyncReport:
    folder: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the trainee, left alone
    beside: dict[str, str] = field(default_factory=dict)  # lesson -> where its update went
    in_place: bool = False

    def notices(self) -> list[str]:
        lines = []
        if self.in_place:
            lines.append(f"Using the lessons in place in {self.folder}.")
        if self.copied:
            lines.append(f"Copied {len(self.copied)} lesson(s) into {self.folder}.")
        if self.updated:
            lines.append(f"Updated {len(self.updated)} lesson(s) you had not changed: "
                         + ", ".join(self.updated) + ".")
        for lesson, new in self.beside.items():
            lines.append(f"Notice: you have changed {lesson}, so it was kept as it is. The "
                         f"updated lesson is beside it, in {new}.")
        return lines


def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"lessons": {}, "offered": {}}
    if not isinstance(data, dict):
        return {"lessons": {}, "offered": {}}
    for key in ("lessons", "offered"):
        if not isinstance(data.get(key), dict):
            data[key] = {}
    return data


def _write_manifest(folder: Path, manifest: dict) -> None:
    tmp = _temp_copy(folder, json.dumps(manifest, indent=1, sort_keys=True).encode())
    try:
        os.replace(tmp, folder / MANIFEST)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _beside_name(name: str, version: str, digest: str) -> tuple[str, str]:
    stem = name.removesuffix(".ipynb")
    return f"{stem} (updated {version}).ipynb", f"{stem} (updated {version}, {digest[:8]}).ipynb"


def sync_lessons(folder: Path, lessons: list[Path] | None = None, version: str | None = None) -> SyncReport:
    """Copy the shipped lessons into ``folder`` (created if missing), following the
    rules in the module docstring. Raises :class:`WorkspaceError` for a bad folder."""
    from powerdynamics._version import __version__

    version = version or __version__
    folder = prepare_folder(folder)
    lessons = shipped_lessons() if lessons is None else lessons
    report = SyncReport(folder)
    if lessons and all(p.parent.resolve() == folder for p in lessons):
        report.in_place = True  # the course team's `make lab`: the lessons themselves
        return report
    manifest = _read_manifest(folder)
    recorded: dict[str, str] = manifest["lessons"]
    offered: dict[str, str] = manifest["offered"]
    try:
        for source in lessons:
            name = source.name
            data = source.read_bytes()
            shipped = _sha256(data)
            target = folder / name
            if not target.exists() and not target.is_symlink():
                if _write_new(target, data):
                    recorded[name] = shipped
                    report.copied.append(name)
                    continue
            current = _file_hash(target) if target.is_file() else None
            if current == shipped:
                recorded[name] = shipped
                report.unchanged.append(name)
                continue
            if current is not None and current == recorded.get(name):
                if _replace_if_unchanged(target, data, current):
                    recorded[name] = shipped
                    report.updated.append(name)
                    continue
            # Changed by the trainee (or not ours): keep it, offer the update beside it.
            report.kept.append(name)
            if recorded.get(name) == shipped or offered.get(name) == shipped:
                continue  # nothing new to offer, or offered already
            for candidate in _beside_name(name, version, shipped):
                path = folder / candidate
                if _file_hash(path) == shipped or _write_new(path, data):
                    offered[name] = shipped
                    report.beside[name] = candidate
                    break
    except OSError as exc:
        raise WorkspaceError(f"could not copy the lessons into {folder}: {exc}. Files already "
                             "there were not changed.") from exc
    finally:
        manifest.update(format=1, package_version=version)
        try:
            _write_manifest(folder, manifest)
        except OSError:
            pass
    return report
