"""Build the browser edition of the lessons: an offline JupyterLite site inside the book.

``scripts/build_lite.py`` (run by ``make book`` after ``jupyter-book build``) calls
:func:`build`.  The steps, and why each is there:

1. **Fetch once, then offline.**  Every file the site needs from outside the tree is
   pinned with its sha256 in ``lite/lock.json``: the Pyodide runtime (the npm package
   ``pyodide``, fetched with ``npm pack``) and the wheels (fetched with
   ``pip download``).  They are cached in ``.cache/lite/`` (not in git); a file whose
   checksum does not match is refused.  After the first fetch no network is needed.
2. **Wheels.**  The course wheel is built from the tree (``pip wheel``).  PyYAML and
   MarkupSafe have no Pyodide wheel: both work as pure Python, so their Linux wheels
   are repacked without the compiled module as ``py3-none-any``.  IPython's jedi
   (4.9 MB, only for tab completion) is replaced by an empty stand-in so the kernel
   does not try to fetch it; IPython completes without it.
3. **JupyterLite.**  ``jupyter lite build`` runs in a fresh temporary folder (so its
   doit cache, ``.jupyterlite.doit.db``, can never skip a step) with the notebook and
   tree apps only, no source maps and only two lab extensions (the Pyodide kernel and
   the ipywidgets manager, plus anywidget's when installed).
4. **Pyodide from the site.**  The runtime files go to ``static/pyodide/`` with the
   wheels and a ``pyodide-lock.json`` generated here that lists only what ships.
   ``jupyter-lite.json`` points the kernel there (``pyodideUrl``),
   turns the PyPI fallback off and preloads every shipped package.  The CDN defaults
   written into the kernel extension and the runtime are replaced by the local paths,
   so even a missing setting cannot send the browser to another site.
5. **Bytecode, made once here.**  Node runs the shipped Pyodide on the shipped wheels,
   imports what the kernel and the lessons' code cells import (:func:`notebook_imports`)
   with every course module those reach, even from inside a function
   (:func:`course_closure`), and compiles exactly the modules that loaded, without column tables
   (``PYTHONNODEBUGRANGES``).  The libraries and the standard library then ship that
   bytecode *instead of* the sources a cold start would compile; the course wheel keeps
   its sources beside ``__pycache__`` so tracebacks in lessons still show course code.
   Before that, files no browser kernel reads (lab extensions, type stubs, tests,
   SBOMs, the lexers of languages no lesson highlights, the course modules no notebook
   reaches) are dropped from the wheels (:func:`slim_wheel`); legacy code pages leave
   the stdlib zip as its bytecode goes in (:mod:`powerdynamics.lite_trim` says why).
6. **Check.**  :func:`check_site` fails the build if a file in the site holds a URL a
   browser would fetch from another host, if the settings are not the local ones, if
   the lock and the files disagree, or if the site is over its size budget.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from powerdynamics import lite_trim

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
PYODIDE_DIR = "static/pyodide"
#: Relative to ``jupyter-lite.json`` at the site's root (JupyterLite resolves ``*Url`` keys so).
PYODIDE_URL = f"./{PYODIDE_DIR}/pyodide.mjs"
APPS = ("notebooks", "tree")
LAB_EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager", "anywidget")
MAX_SITE_BYTES = 60 * 1024 * 1024
#: Requirements of the course wheel that the browser goes without: JupyterLab is the
#: desktop front end (the site is its own), matplotlib has no Pyodide build here (charts
#: show their text alternative).  Any other missing requirement fails the build.
BROWSER_OMITS = frozenset({"jupyterlab", "matplotlib"})
LINK_TEXT = "Open this lesson in the browser (no install)"
#: Fixed time stamp for the zip members of wheels built here (reproducible bytes).
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def load_lock(root: Path) -> dict:
    return json.loads((root / "lite" / "lock.json").read_text(encoding="utf-8"))


def lite_url(docname: str) -> str | None:
    """The Lite edition's address of a lesson page, relative to the book's root, or None."""
    if not docname.startswith("notebooks/"):
        return None
    return f"lite/notebooks/index.html?path={docname.split('/', 1)[1]}.ipynb"


# --------------------------------------------------------------------------- fetching


class FetchError(RuntimeError):
    pass


def _checked(path: Path, expected: str) -> Path:
    actual = sha256(path)
    if actual != expected:
        raise FetchError(f"{path.name}: sha256 {actual} does not match the lock ({expected}); "
                         "refusing it (delete it from the cache to fetch it again)")
    return path


def _pip_download(entry: dict, python: dict, dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--python-version", python["version"], "--implementation", "cp",
           "--abi", python["abi"], "--abi", "none", "-d", str(dest)]
    for platform in entry.get("platforms", ["any"]):
        cmd += ["--platform", platform]
    cmd.append(f"{entry['name']}=={entry['version']}")
    subprocess.run(cmd, check=True)


def fetch(lock: dict, cache: Path, log=print) -> dict[str, Path]:
    """Every pinned download as a checked file in ``cache`` (downloaded if missing)."""
    cache.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    entries = [("pyodide", lock["pyodide"])] + [(e["name"], e) for e in lock["wheels"]]
    for name, entry in entries:
        target = cache / entry["file"]
        if not target.exists():
            log(f"fetching {entry['file']} ...")
            with tempfile.TemporaryDirectory(dir=cache) as tmp:
                if name == "pyodide":
                    subprocess.run(["npm", "pack", "--silent", entry["npm"], "--pack-destination", tmp],
                                   check=True, stdout=subprocess.DEVNULL)
                else:
                    _pip_download(entry, lock["python"], Path(tmp))
                got = Path(tmp) / entry["file"]
                if not got.exists():
                    raise FetchError(f"{name}: expected {entry['file']}, got {os.listdir(tmp)}")
                _checked(got, entry["sha256"])
                got.replace(target)
        found[name] = _checked(target, entry["sha256"])
    return found


# --------------------------------------------------------------------------- wheels


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(path: Path, members: dict[str, bytes]) -> Path:
    """A wheel with a fresh RECORD, members sorted and time-stamped for identical bytes."""
    dist_info = next(n.split("/")[0] for n in members if n.split("/")[0].endswith(".dist-info"))
    record_name = f"{dist_info}/RECORD"
    members = {n: d for n, d in members.items() if n != record_name}
    record = "\n".join([*(_record_line(n, d) for n, d in sorted(members.items())), f"{record_name},,"]) + "\n"
    members[record_name] = record.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, members[name], compresslevel=9)
    return path


def repack_pure(source: Path, out_dir: Path) -> Path:
    """A binary wheel without its compiled modules, tagged ``py3-none-any``.

    Only for projects whose compiled part is an optional speed-up (PyYAML's libyaml
    binding, MarkupSafe's ``_speedups``): their pure-Python fallbacks take over."""
    name, version = source.name.split("-")[:2]
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(source) as whl:
        for item in whl.infolist():
            if item.is_dir() or item.filename.endswith((".so", ".pyd", ".c")):
                continue
            data = whl.read(item)
            if item.filename.endswith(".dist-info/WHEEL"):
                lines = [ln for ln in data.decode().splitlines() if not ln.startswith(("Tag:", "Root-Is-Purelib:"))]
                lines += ["Root-Is-Purelib: true", "Tag: py3-none-any"]
                data = ("\n".join(lines) + "\n").encode()
            members[item.filename] = data
    return write_wheel(out_dir / f"{name}-{version}-py3-none-any.whl", members)


def slim_wheel(wheel: Path, course_modules: Iterable[str] | None = None) -> int:
    """Drop from ``wheel`` what no browser kernel reads (:mod:`powerdynamics.lite_trim`:
    desktop files everywhere, and the lexers no lesson highlights from pygments);
    ``course_modules``: ``wheel`` is the course's, and only these of its modules ship
    (what the site's notebooks and the course's public modules reach,
    :func:`course_closure`).  Returns how many bytes that saved."""
    with zipfile.ZipFile(wheel) as whl:
        members = {n: whl.read(n) for n in whl.namelist() if not n.endswith("/")}
    kept = lite_trim.drop_desktop_files(members)
    if course_modules is not None:
        kept = lite_trim.keep_modules(kept, "powerdynamics", course_modules)
    if canonical(wheel.name.split("-")[0]) == "pygments":
        try:
            kept = lite_trim.trim_pygments(kept)
        except ValueError as exc:
            raise RuntimeError(f"{wheel.name}: {exc}") from None
    if kept == members:
        return 0
    before = wheel.stat().st_size
    write_wheel(wheel, kept)
    return before - wheel.stat().st_size


def stub_wheel(out_dir: Path, name: str, summary: str) -> Path:
    """An installable distribution with no module (the kernel asks for it by name)."""
    dist_info = f"{name}-0.0.0.dist-info"
    return write_wheel(out_dir / f"{name}-0.0.0-py3-none-any.whl", {
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.0\nSummary: {summary}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: powerdynamics.lite_build\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    })


def build_course_wheel(root: Path, out_dir: Path) -> Path:
    """The course wheel, built from a copy of the tree (nothing is written into it)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "tree"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, src / name)
        shutil.copytree(root / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        from powerdynamics.bank.snapshot import SNAPSHOT_NAME, write_snapshot

        data = src / "src" / "powerdynamics" / "bank" / "data"  # the pre-parsed bank: no YAML
        write_snapshot(sorted(data.glob("*.yaml")), data / SNAPSHOT_NAME)  # parsing in the browser
        result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                                 "--no-build-isolation", "-w", str(out_dir), str(src)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"building the course wheel failed:\n{result.stdout}\n{result.stderr}")
    return next(out_dir.glob("powerdynamics-*.whl"))


def wheel_requirements(wheel: Path) -> list[str]:
    """The unconditional ``Requires-Dist`` names of a wheel (no extras, no markers)."""
    with zipfile.ZipFile(wheel) as whl:
        meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        text = whl.read(meta).decode()
    names = []
    for line in text.splitlines():
        if line.startswith("Requires-Dist:") and ";" not in line:
            names.append(canonical(re.split(r"[ <>=!~\[(]", line.split(":", 1)[1].strip())[0]))
    return names


# --------------------------------------------------------------------------- bytecode

#: Modules the browser imports while the kernel starts (pyodide-kernel's own start-up and
#: :mod:`powerdynamics.lite_boot`); with what the site's notebooks import
#: (:func:`notebook_imports`) and the course modules all these reach
#: (:func:`course_closure`) they form the set that ships as bytecode.
START_IMPORTS = ("micropip", "piplite.piplite", "pyodide_kernel", "powerdynamics.lite_boot")


def notebook_imports(notebooks: Iterable[bytes]) -> list[str]:
    """What the code cells of ``notebooks`` import, in first-seen order: ``X`` for
    ``import X`` and ``X:name`` for ``from X import name`` (the name may be a lazily
    loaded attribute or a submodule).  A cell that is not plain Python (a magic) is
    skipped."""
    found: dict[str, None] = {}
    for data in notebooks:
        try:
            cells = json.loads(data).get("cells", [])
        except ValueError:
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            try:
                tree = ast.parse(source if isinstance(source, str) else "".join(source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(a.name for a in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.update(dict.fromkeys(f"{node.module}:{a.name}" for a in node.names))
    return list(found)

def course_closure(package: Path, wanted: Iterable[str]) -> list[str]:
    """Every module of the course package at ``package`` that ``wanted`` (entries as
    :func:`notebook_imports` gives them) reaches through its imports, *including* those
    inside functions: the course defers heavy imports until a quiz or form is shown, so
    importing the lessons' names alone would leave the widget code to compile in the
    browser.  Read from the sources, not run; returns dotted names, sorted."""
    top = package.name

    def module_file(name: str) -> Path | None:
        if not all(part.isidentifier() for part in name.split(".")):
            return None  # e.g. the constant part of an f-string, "pkg.sub."
        base = package.parent.joinpath(*name.split("."))
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    seen: set[str] = set()
    todo = []
    for entry in wanted:
        module, _, attribute = entry.partition(":")
        todo += [module, f"{module}.{attribute}"] if attribute else [module]
    while todo:
        name = todo.pop()
        if name in seen or name.split(".")[0] != top:
            continue
        path = module_file(name)
        if path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        for parent in range(1, len(parts)):
            todo.append(".".join(parts[:parent]))
        is_package = path.name == "__init__.py"
        package_parts = parts if is_package else parts[:-1]
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package_parts[: len(package_parts) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                todo += [base] + [f"{base}.{a.name}" for a in node.names]
            elif is_package and isinstance(node, ast.Constant) and isinstance(node.value, str):
                # lazy ``__getattr__`` tables name modules as strings, whole ("pkg.mod")
                # or by the submodule's own name ("mod"); what is not a module is skipped
                todo.append(node.value if node.value.startswith(top + ".") else f"{name}.{node.value}")
    return sorted(seen)


#: Run by Node.js with the site's own Pyodide (the bytecode's magic number must be the
#: browser's): installs the wheels, imports what the kernel imports as it starts and what
#: the notebooks import, and writes a hash-based ``.pyc`` for each module then loaded
#: under ``/out/site/`` (site-packages) or ``/out/stdlib/`` (the stdlib zip).
_COMPILE_JS = r"""
const [indexURL, lockFileURL, packageBaseUrl, outDir, config] = process.argv.slice(2);
const { loadPyodide } = await import(indexURL + "pyodide.mjs");
const { packages, imports, notebookImports } = JSON.parse(config);
// PYTHONNODEBUGRANGES: bytecode without column tables (smaller; tracebacks through
// library code lose only their ^^^ markers; a trainee's own cells are compiled as usual).
const env = { PYTHONNODEBUGRANGES: "1" };
const quiet = () => {};
const py = await loadPyodide({ indexURL, lockFileURL, packageBaseUrl, packages, env, stdout: quiet, stderr: quiet });
py.FS.mkdir("/out");
py.FS.mount(py.FS.filesystems.NODEFS, { root: outDir }, "/out");
py.globals.set("start_imports", py.toPy(imports));
py.globals.set("notebook_imports", py.toPy(notebookImports));
const out = py.runPython(`
import importlib, importlib.util, json, os, sys
from importlib._bootstrap_external import _code_to_hash_pyc
for name in start_imports:
    importlib.import_module(name)
skipped = []
for wanted in notebook_imports:
    module, _, attribute = wanted.partition(":")
    try:
        found = importlib.import_module(module)
        if attribute and not hasattr(found, attribute):
            importlib.import_module(module + "." + attribute)
    except Exception as error:  # a notebook may import what the site does not ship
        skipped.append(f"{wanted}: {type(error).__name__}: {error}")
site = os.path.dirname(os.path.dirname(sys.modules["micropip"].__file__)) + "/"
files = {m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
stdlib = next(p for p in sys.path if p.endswith(".zip")) + "/"
done = 0
for path in sorted(files):
    if path.startswith(site) and path.endswith(".py"):
        with open(path, "rb") as f:
            source = f.read()
        target = "/out/site/" + path[len(site):] + "c"
    elif path.startswith(stdlib) and path.endswith(".py"):
        source = sys.modules["zipimport"].zipimporter(stdlib[:-1]).get_data(path[len(stdlib):])
        target = "/out/stdlib/" + path[len(stdlib):] + "c"
    else:
        continue
    code = compile(source, path, "exec", dont_inherit=True)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))
    done += 1
if next(compile("x", "t", "eval").co_positions())[2] is not None:
    raise RuntimeError("PYTHONNODEBUGRANGES was not applied: the bytecode would carry column tables")
json.dumps({"done": done, "tag": sys.implementation.cache_tag, "skipped": skipped})
`);
console.log(out);
"""


def _node() -> str | None:
    return shutil.which("node") or shutil.which("nodejs")


def compile_start_bytecode(runtime: Path, plock: dict, wheel_dir: Path, notebook_imports: Iterable[str] = (),
                           log=print) -> tuple[dict[str, bytes], dict[str, bytes], str]:
    """The bytecode of what the kernel imports as it starts and of what ``notebook_imports``
    then loads, compiled by the site's own Pyodide under Node.js (a host Python has
    another magic number).

    Returns (site-packages path -> bytecode, stdlib zip path -> bytecode, cache tag).
    The ``.pyc`` files are hash-based and unchecked: the browser unpacks every file with
    a new time stamp, which would make time-stamped bytecode stale."""
    node = _node()
    if node is None:
        raise RuntimeError("Node.js is needed to precompile the browser edition's bytecode")
    with tempfile.TemporaryDirectory(prefix="lite-pyc-") as tmp:
        out = Path(tmp, "out")
        out.mkdir()
        script = Path(tmp, "compile.mjs")
        script.write_text(_COMPILE_JS, encoding="utf-8")
        lock = Path(tmp, "pyodide-lock.json")
        lock.write_text(json.dumps(plock), encoding="utf-8")
        config = {"packages": sorted(plock["packages"]), "imports": list(START_IMPORTS),
                  "notebookImports": list(notebook_imports)}
        result = subprocess.run([node, str(script), str(runtime.resolve()) + "/", str(lock),
                                 str(wheel_dir.resolve()) + "/", str(out), json.dumps(config)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"precompiling bytecode failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        report = json.loads(result.stdout.strip().splitlines()[-1])
        tag = report["tag"]
        for line in report["skipped"]:
            log(f"bytecode: a notebook's import did not load under Node, left to compile in the browser: {line}")
        found = {}
        for kind in ("site", "stdlib"):
            base = out / kind
            found[kind] = {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*.pyc")}
    return found["site"], found["stdlib"], tag


def add_bytecode(wheel: Path, bytecode: dict[str, bytes], tag: str, keep_source: bool) -> int:
    """Put the bytecode of a wheel's modules into it; returns how many.

    ``keep_source``: as ``__pycache__/X.<tag>.pyc`` beside each source (the course's
    own modules: their tracebacks show source lines).  Otherwise the bytecode replaces
    the source as ``X.pyc`` (a sourceless module, as Pyodide ships its own packages):
    about half the bytes, and a traceback through library code then shows the file and
    line without the line's text."""
    with zipfile.ZipFile(wheel) as whl:
        members = {n: whl.read(n) for n in whl.namelist() if not n.endswith("/")}
    added = 0
    for name in list(members):
        if name.endswith(".py") and name + "c" in bytecode:
            if keep_source:
                folder, _, module = name[:-3].rpartition("/")
                members[f"{folder}/__pycache__/{module}.{tag}.pyc".lstrip("/")] = bytecode[name + "c"]
            else:
                members[name + "c"] = bytecode[name + "c"]
                del members[name]
            added += 1
    if added:
        write_wheel(wheel, members)
    return added


def add_stdlib_bytecode(stdlib_zip: Path, bytecode: dict[str, bytes]) -> int:
    """The stdlib zip with ``X.pyc`` in place of each ``X.py`` the kernel imports as it
    starts (zipimport loads a sourceless module; the rest of the stdlib keeps its
    source), and without what :func:`powerdynamics.lite_trim.trim_stdlib` leaves out
    (unless the start loaded it)."""
    with zipfile.ZipFile(stdlib_zip) as old:
        infos = [(i, old.read(i)) for i in old.infolist()]
    names = {i.filename for i, _ in infos}
    extra = {n: d for n, d in bytecode.items() if n[:-1] in names and n not in names}
    left_out = {n for n in lite_trim.trim_stdlib(names) if n + "c" not in extra}
    with zipfile.ZipFile(stdlib_zip, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in infos:
            if info.filename + "c" not in extra and info.filename not in left_out:
                new.writestr(info, data, compresslevel=9)
        for name in sorted(extra):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            new.writestr(info, extra[name], compresslevel=9)
    return len(extra)


# --------------------------------------------------------------------------- lessons


def lesson_copy(notebook: Path) -> dict:
    """A lesson as the browser edition opens it: no stored outputs, the Pyodide kernel."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    nb["metadata"].pop("widgets", None)
    return nb


# --------------------------------------------------------------------------- site


@dataclass
class BuildReport:
    site: Path
    files: int = 0
    bytes: int = 0
    shipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.site}: {self.files} files, {self.bytes / 1e6:.1f} MB, "
                f"{len(self.shipped)} Python packages")


def _lab_extensions(names: Iterable[str]) -> list[Path]:
    found = []
    for name in names:
        for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
            path = Path(prefix) / "share" / "jupyter" / "labextensions" / name
            if (path / "package.json").exists():
                found.append(path)
                break
    return found


def run_jupyterlite(contents: Path, out: Path, log=print) -> None:
    """``jupyter lite build`` in a fresh folder: no doit cache survives between builds."""
    extensions = _lab_extensions(LAB_EXTENSIONS)
    if len(extensions) < 2:
        raise RuntimeError("the Pyodide kernel and ipywidgets lab extensions are not installed "
                           "(pip install -e '.[lite]')")
    with tempfile.TemporaryDirectory(prefix="lite-work-") as tmp:
        config = {"LiteBuildConfig": {
            "apps": list(APPS), "ignore_sys_prefix": True, "no_sourcemaps": True,
            "no_unused_shared_packages": True, "federated_extensions": [str(p) for p in extensions],
            "contents": [str(contents)], "output_dir": str(out)}}
        Path(tmp, "jupyter_lite_config.json").write_text(json.dumps(config), encoding="utf-8")
        result = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "lite", "build"],
                                cwd=tmp, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"jupyter lite build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _patch_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise RuntimeError(f"{path.name}: expected to find {old!r} (did a pinned version change?)")
    path.write_text(text.replace(old, new), encoding="utf-8")


def install_pyodide(site: Path, tarball: Path, runtime: list[str]) -> Path:
    target = site / PYODIDE_DIR
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for name in runtime:
            member = tar.getmember(f"package/{name}")
            src = tar.extractfile(member)
            if src is None:
                raise RuntimeError(f"{tarball.name}: package/{name} is not a file")
            with src, open(target / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    # The runtime's fallback for packages it cannot find locally is a CDN; point it home.
    _patch_once(target / "pyodide.mjs", "`https://cdn.jsdelivr.net/pyodide/v${U}/full/`", "t")
    return target


def pyodide_lock(upstream: dict, entries: list[dict]) -> dict:
    packages = {}
    for e in entries:
        packages[canonical(e["name"])] = {
            "name": e["name"], "version": e["version"], "file_name": e["file"], "install_dir": "site",
            "sha256": e["sha256"], "package_type": "package", "imports": e["imports"],
            "depends": sorted(canonical(d) for d in e["depends"]), "unvendored_tests": False,
        }
    missing = {d for p in packages.values() for d in p["depends"]} - packages.keys()
    if missing:
        raise RuntimeError(f"pyodide-lock.json: depends on packages that do not ship: {sorted(missing)}")
    return {"info": upstream["info"], "packages": dict(sorted(packages.items()))}


def configure(site: Path, preload: list[str]) -> None:
    config_path = site / "jupyter-lite.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    data = config["jupyter-config-data"]
    settings = data.setdefault("litePluginSettings", {}).setdefault(KERNEL_PLUGIN, {})
    settings.update({
        "pyodideUrl": PYODIDE_URL,
        "disablePyPIFallback": True,
        "pipliteUrls": [],
        # Packages load from beside pyodide-lock.json, i.e. from the site.
        "loadPyodideOptions": {"packages": preload},
    })
    data["appUrl"] = "./notebooks"
    data["faviconUrl"] = "./notebooks/favicon.ico"
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def scrub(site: Path) -> None:
    """Point the CDN defaults of the kernel extension at the site, drop build leftovers."""
    ext = site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static"
    cdn = "https://cdn.jsdelivr.net/pyodide/v314.0.6/full/pyodide.mjs"
    for path in [*ext.glob("*.js"), *ext.glob("schema/*.json")]:
        if cdn in path.read_text(encoding="utf-8"):
            # Pages of the site's apps sit one folder below the root.
            _patch_once(path, cdn, "../" + PYODIDE_URL[2:])
    # Warm the course's imports while the kernel starts, before it moves into /drive
    # (see powerdynamics.lite_boot).
    boot = re.compile(r'(\w)\.push\("import pyodide_kernel"\)')
    workers = [p for p in ext.glob("*.js") if boot.search(p.read_text(encoding="utf-8"))]
    if not workers:
        raise RuntimeError("the Pyodide kernel's start-up code was not found (did a pinned version change?)")
    for path in workers:
        text = path.read_text(encoding="utf-8")
        path.write_text(boot.sub(r'\1.push("import pyodide_kernel","import powerdynamics.lite_boot")', text),
                        encoding="utf-8")
    for path in ext.glob("pypi/*"):  # the kernel wheels ship from static/pyodide/
        path.unlink()
    # The notebook app swaps its favicon while the kernel is busy; JupyterLite ships none.
    (site / "static" / "favicons").mkdir(parents=True, exist_ok=True)
    for name in ("favicon-notebook.ico", "favicon-busy-1.ico"):
        shutil.copy2(site / "notebooks" / "favicon.ico", site / "static" / "favicons" / name)
    for pattern in ("rspack.config*.js", "**/*.map"):
        for path in site.glob(pattern):
            path.unlink()


def build(root: Path | None = None, out: Path | None = None, cache: Path | None = None, log=print,
          contents: dict[str, bytes] | None = None) -> BuildReport:
    """Build the site into ``out``.  ``contents``: the files its drive starts with (name ->
    bytes; default: every lesson of ``notebooks/``, as :func:`lesson_copy` makes it)."""
    root = root or project_root()
    out = out or root / "_build" / "html" / "lite"
    cache = cache or root / ".cache" / "lite"
    lock = load_lock(root)
    files = fetch(lock, cache, log=log)
    kernel_static = _lab_extensions(["@jupyterlite/pyodide-kernel-extension"])[0] / "static" / "pypi"

    if contents is None:
        contents = {nb.name: (json.dumps(lesson_copy(nb), indent=1) + "\n").encode()
                    for nb in sorted((root / "notebooks").glob("*.ipynb"))}
    with tempfile.TemporaryDirectory(prefix="lite-build-") as tmp_name:
        tmp = Path(tmp_name)
        wheels, drive, site = tmp / "wheels", tmp / "contents", tmp / "site"
        wheels.mkdir()
        drive.mkdir()
        for name, data in contents.items():
            (drive / name).write_bytes(data)
        log("jupyter lite build ...")
        run_jupyterlite(drive, site, log=log)

        entries: list[dict] = []
        for e in lock["wheels"]:
            src = files[e["name"]]
            whl = repack_pure(src, wheels) if e.get("repack") else Path(shutil.copy2(src, wheels / src.name))
            entries.append({**e, "file": whl.name, "sha256": sha256(whl)})
        for e in lock["kernel_wheels"]:
            whl = _checked(kernel_static / e["file"], e["sha256"])
            entries.append({**e, "file": Path(shutil.copy2(whl, wheels / whl.name)).name})
        jedi = stub_wheel(wheels, "jedi", "Stand-in: the browser edition ships no jedi (IPython completes without it)")
        entries.append({"name": "jedi", "version": "0.0.0", "file": jedi.name, "sha256": sha256(jedi),
                        "imports": [], "depends": []})
        course = build_course_wheel(root, wheels)
        shipped = {canonical(e["name"]) for e in entries}
        requires = [r for r in wheel_requirements(course) if r not in BROWSER_OMITS]
        needed = [r for r in requires if r not in shipped]
        if needed:
            raise RuntimeError(f"the course needs {needed}, which the browser edition does not ship "
                               "(add them to lite/lock.json, or make them optional)")
        entries.append({"name": "powerdynamics", "version": course.name.split("-")[1], "file": course.name,
                        "sha256": sha256(course), "imports": ["powerdynamics"],
                        "depends": requires})

        target = install_pyodide(site, files["pyodide"], lock["pyodide"]["runtime"])
        with tarfile.open(files["pyodide"]) as tar:
            lock_file = tar.extractfile("package/pyodide-lock.json")
            if lock_file is None:
                raise RuntimeError(f"{files['pyodide'].name}: package/pyodide-lock.json is not a file")
            upstream = json.load(lock_file)
        wanted = notebook_imports(contents.values())
        package = root / "src" / "powerdynamics"
        public = [f"powerdynamics.{p.stem}" for p in sorted(package.glob("*.py"))
                  if p.stem != "__init__" and p.stem not in lite_trim.COURSE_DESKTOP_ONLY]
        reached = course_closure(package, wanted + list(START_IMPORTS) + public)
        wanted += reached
        saved = sum(slim_wheel(Path(shutil.copy2(wheels / e["file"], target / e["file"])),
                               course_modules=reached if e["name"] == "powerdynamics" else None)
                    for e in entries)
        log(f"wheels: {saved / 1e6:.1f} MB that no browser kernel reads left out")
        site_pyc, stdlib_pyc, tag = compile_start_bytecode(target, pyodide_lock(upstream, entries), target,
                                                           wanted, log=log)
        compiled = sum(add_bytecode(target / e["file"], site_pyc, tag, keep_source=e["name"] == "powerdynamics")
                       for e in entries)
        compiled += add_stdlib_bytecode(target / "python_stdlib.zip", stdlib_pyc)
        log(f"bytecode: {compiled} modules precompiled")
        for e in entries:
            e["sha256"] = sha256(target / e["file"])
        plock = pyodide_lock(upstream, entries)
        (target / "pyodide-lock.json").write_text(json.dumps(plock, indent=1) + "\n", encoding="utf-8")
        configure(site, sorted(plock["packages"]))
        scrub(site)
        problems = check_site(site)
        if problems:
            raise RuntimeError("the browser edition failed its checks:\n  " + "\n  ".join(problems))
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(site), str(out))

    report = BuildReport(out, shipped=sorted(plock["packages"]))
    for path in out.rglob("*"):
        if path.is_file():
            report.files += 1
            report.bytes += path.stat().st_size
    return report


# --------------------------------------------------------------------------- checks

_URL = re.compile(rb"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'`<>\\()]*)?")
_LOCAL_HOSTS = (b"127.0.0.1", b"localhost", b"[::1]")
#: What stands right before a URL that a browser fetches.  In markup and style sheets:
#: ``src=``, ``href=`` (style sheets, icons), ``url(`` and ``@import``.  In scripts and
#: settings: ``import(``/``from`` a string, ``fetch(``, ``new Worker(``,
#: ``importScripts(``, ``.src =`` and settings keys such as ``pyodideUrl`` or ``indexURL``.
#: A link a reader may follow (``a.href = ...`` in a script) is not a fetch.
_MARKUP_CONTEXT = re.compile(
    rb"""(?:\b(?:src|href|srcset|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s*["']?)$""", re.I)
_SCRIPT_CONTEXT = re.compile(
    rb"""(?:\bimport\s*\(\s*|\bfrom\s*|\bfetch\s*\(\s*|\bWorker\s*\(\s*|importScripts\s*\(\s*|"""
    rb"""\.src\s*=\s*|[a-z](?:Url|URL|Urls|URLs)["']?\s*:\s*\[?\s*)["'`]$""")
#: Resources only ever named to be loaded.
_FETCHED_KIND = re.compile(rb"\.(?:mjs|wasm|whl|zip|tgz|tar(?:\.\w+)?|woff2?|ttf|otf|eot)(?:[?#][^\s\"']*)?$")
_CDN_HOST = re.compile(rb"^https?://[^/]*(?:cdn|unpkg|jsdelivr|esm\.sh|skypack|jspm|googleapis|gstatic)", re.I)
_TEXT_SUFFIXES = {".js", ".mjs", ".cjs", ".json", ".html", ".css", ".svg", ".txt", ".webmanifest", ".ipynb", ".md"}


def fetchable_urls(data: bytes, markup: bool = False) -> list[str]:
    """URLs in ``data`` that a browser would fetch from another host.

    ``markup``: ``data`` is HTML, CSS or SVG (else a script or JSON)."""
    context = _MARKUP_CONTEXT if markup else _SCRIPT_CONTEXT
    found = []
    for match in _URL.finditer(data):
        url = match.group(0).rstrip(b".,;")
        host = url.split(b"/")[2].split(b":")[0]
        if host in _LOCAL_HOSTS:
            continue
        before = data[max(0, match.start() - 40):match.start()]
        if re.search(rb"\$(?:schema|id|ref)[\"']?\s*:\s*[\"']?$", before):
            continue  # JSON-schema identifiers name a schema; nothing loads them
        if context.search(before) or _FETCHED_KIND.search(url) or _CDN_HOST.search(url):
            found.append(url.decode("ascii", "replace"))
    return found


def check_site(site: Path) -> list[str]:
    """What is wrong with a built site (empty when it is fit to publish)."""
    problems: list[str] = []
    total = 0
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        total += path.stat().st_size
        if path.suffix in _TEXT_SUFFIXES:
            for url in fetchable_urls(path.read_bytes(), markup=path.suffix in (".html", ".css", ".svg")):
                problems.append(f"{path.relative_to(site)}: fetches {url}")
    if total > MAX_SITE_BYTES:
        problems.append(f"site is {total / 2**20:.1f} MiB, over the {MAX_SITE_BYTES / 2**20:.0f} MiB budget")
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    settings = config.get("litePluginSettings", {}).get(KERNEL_PLUGIN, {})
    if settings.get("pyodideUrl") != PYODIDE_URL:
        problems.append(f"jupyter-lite.json: pyodideUrl is {settings.get('pyodideUrl')!r}, not {PYODIDE_URL!r}")
    if settings.get("disablePyPIFallback") is not True:
        problems.append("jupyter-lite.json: disablePyPIFallback is not true")
    lock_path = site / PYODIDE_DIR / "pyodide-lock.json"
    if not lock_path.exists():
        return [*problems, f"{lock_path.relative_to(site)} is missing"]
    packages = json.loads(lock_path.read_text(encoding="utf-8"))["packages"]
    preload = settings.get("loadPyodideOptions", {}).get("packages", [])
    if sorted(preload) != sorted(packages):
        problems.append("loadPyodideOptions.packages differs from pyodide-lock.json")
    wheels = {p.name for p in (site / PYODIDE_DIR).glob("*.whl")}
    listed = {p["file_name"] for p in packages.values()}
    for name in sorted(listed - wheels):
        problems.append(f"pyodide-lock.json lists {name}, which does not ship")
    for name in sorted(wheels - listed):
        problems.append(f"{name} ships but pyodide-lock.json does not list it")
    for p in packages.values():
        path = site / PYODIDE_DIR / p["file_name"]
        if path.exists() and sha256(path) != p["sha256"]:
            problems.append(f"{p['file_name']}: sha256 differs from pyodide-lock.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline JupyterLite edition of the lessons.")
    parser.add_argument("--out", type=Path, help="output folder (default: _build/html/lite)")
    parser.add_argument("--cache", type=Path, help="download cache (default: .cache/lite)")
    parser.add_argument("--fetch-only", action="store_true", help="fill the cache and stop")
    args = parser.parse_args(argv)
    root = project_root()
    if args.fetch_only:
        fetch(load_lock(root), args.cache or root / ".cache" / "lite")
        return 0
    report = build(root, args.out, args.cache)
    print(f"The browser edition is built: {report.summary()}")
    print(f"  open {report.site / 'notebooks' / 'index.html'}?path=01-what-power-dynamics-are.ipynb")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["LINK_TEXT", "BuildReport", "build", "check_site", "fetch", "fetchable_urls", "lite_url", "main"]
