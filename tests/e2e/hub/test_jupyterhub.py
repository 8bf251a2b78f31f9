"""A cohort on a real JupyterHub: deploy/jupyterhub/ with real users, real servers, real nbgrader.

The module starts JupyterHub (with configurable-http-proxy from node_modules) on 127.0.0.1
with the course's configuration, and three local system users created for the run: an
instructor and two trainees.  Then, as each user (their single-user server's REST API, or
nbgrader's CLI run as that user with ``runuser``):

    instructor: generate_assignment, release_assignment
    trainee 1 : logs in (PAM), fetches in the Assignments tab's API, answers all correctly
    trainee 2 : fetches with the CLI, answers two questions wrongly
    both      : the graded quiz (PooledQuiz) shows each their own draw of a1's pool, chosen
                by their login (JUPYTERHUB_USER, as their server has it), and saves
                responses.json with the answers and the draw next to the notebook; submit
    instructor: collect, autograde (position k of each draw, recomputed from the nbgrader
                student id), generate_feedback, release_feedback
    trainees  : fetch feedback

and checks the gradebook, the feedback, the permissions of the exchange and of the homes
(every read is attempted as the trainee), formgrader for the instructor only, and that
everything listens on 127.0.0.1.  Users, homes, the exchange and every process are removed
afterwards, also when a test fails; a run killed half-way is cleaned up by the next one.

Needs root, useradd and runuser.  Skipped (with the reason) where they are missing, except
in CI (CI=true), where it fails instead.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path

import nbformat
import pytest

from tests.support.htmltext import html_text
from tests.support.paths import EXERCISES, ROOT

pytestmark = pytest.mark.hub

DEPLOY = ROOT / "deploy" / "jupyterhub"
CONFIG = DEPLOY / "jupyterhub_config.py"
A1 = "a1-bases-of-power"
COURSE = "power-dynamics"
#: GECOS field of every user this module creates: how a later run finds leftovers.
MARKER = "powerdynamics hub test"
TEST_NAME = re.compile(r"^pdt[0-9a-f]{6}-(inst|t1|t2|cohort)$")
BASE_PREFIX = "pd-hub-test-"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POOL = "a1"  # exercises/pools/a1.yaml (keys, instructor only); source/<A1>/a1-items.json (released)
ITEMS_FILE = f"{POOL}-items.json"
SIZE = 12  # questions per trainee, 1 point each
TASKS = ("a1-formulation", "a1-short-answers")  # hand-graded, 9 points each
TOTAL = SIZE + 9 * len(TASKS)


def _load_course_hub():
    spec = importlib.util.spec_from_file_location("course_hub", DEPLOY / "course_hub.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("course_hub", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


course_hub = _load_course_hub()


# -- can this machine run it? ----------------------------------------------------------------------
def _missing() -> str | None:
    if not sys.platform.startswith("linux"):
        return "it needs Linux"
    if os.geteuid() != 0:
        return "it must run as root to create local users (useradd) and start JupyterHub as root"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "runuser", "chpasswd"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    return None


def _require_machine() -> None:
    reason = _missing()
    if reason is None:
        return
    message = f"JupyterHub end-to-end test: {reason}."
    if IN_CI:
        pytest.fail(message + " CI (CI=true) must run it: run the suite as root on Linux.", pytrace=False)
    pytest.skip(message)


# -- the course's keys, read from the pool at run time (never written here) ------------------------
def _source_notebook():
    return nbformat.read(EXERCISES / "source" / A1 / f"{A1}.ipynb", as_version=4)


def _pool() -> dict:
    """item id -> keyed item of a1's pool (instructor only)."""
    from powerdynamics.grading.pool_grading import load_keys

    keys = load_keys(EXERCISES / "pools" / f"{POOL}.yaml")
    assert len(keys) >= 2 * SIZE, "a1's pool lost its items"
    return keys


def _draw(login: str) -> list[str]:
    """The item ids ``login`` sees, in order (the function autograde and the quiz call)."""
    from powerdynamics.grading.draws import draw_for

    document = json.loads((EXERCISES / "source" / A1 / ITEMS_FILE).read_text(encoding="utf-8"))
    return list(draw_for(document["assignment"], login, document["forms"]).items)


def _rubric_lines() -> list[str]:
    """The tasks' mark schemes (solution regions of the source's markdown cells)."""
    lines = []
    for cell in _source_notebook().cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside and cell.cell_type == "markdown" and len(line.strip()) >= 40:
                lines.append(line.strip())
    assert len(lines) >= 12, "the source of a1 lost its rubrics"
    return lines


# -- processes and users ---------------------------------------------------------------------------
def _pids_of_uids(uids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid in uids:
                pids.append(int(entry.name))
        except FileNotFoundError:
            pass
    return pids


def _kill_uids(uids: set[int], wait: float = 10.0) -> None:
    """End every process of the test's users (their servers, kernels, nbgrader runs)."""
    if not uids:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _pids_of_uids(uids):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while _pids_of_uids(uids) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _pids_of_uids(uids):
            return


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _kill_pidfile(pidfile: Path, must_contain: str) -> None:
    """Kill the process named in a pid file, if it is still the one we started."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    if must_contain in _cmdline(pid):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            for _ in range(50):
                if not Path(f"/proc/{pid}").exists() or must_contain not in _cmdline(pid):
                    return
                time.sleep(0.1)


def _delete_user(name: str) -> str | None:
    import pwd

    try:
        user = pwd.getpwnam(name)
    except KeyError:
        return None
    _kill_uids({user.pw_uid})
    result = subprocess.run(["userdel", "-r", name], capture_output=True, text=True)
    # userdel exits 12 when it removed the user but not a mail spool that never existed.
    home = Path(user.pw_dir)
    if home.name == name and home.exists():
        shutil.rmtree(home, ignore_errors=True)
    try:
        pwd.getpwnam(name)
    except KeyError:
        return None if not home.exists() else f"{home} is left"
    return f"userdel -r {name}: rc={result.returncode} {result.stderr.strip()}"


def _delete_group(name: str) -> None:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return
    subprocess.run(["groupdel", name], capture_output=True)


def _run_alive(pid: int) -> bool:
    return "pytest" in _cmdline(pid) or "python" in _cmdline(pid)


def _sweep_leftovers() -> None:
    """Remove what a run that was killed half-way left: its processes, users, group, files.

    Each run writes {"pid", "tag"} to <base>/.pd-hub-test; only runs whose pytest process is
    gone are swept, so two runs on one machine leave each other alone."""
    import grp
    import pwd

    live_tags: set[str] = set()
    stale: list[tuple[Path, str]] = []
    for base in Path(tempfile.gettempdir()).glob(BASE_PREFIX + "*"):
        try:
            owner = json.loads((base / ".pd-hub-test").read_text())
        except (OSError, ValueError):
            continue
        (live_tags.add(owner["tag"]) if _run_alive(owner["pid"]) else stale.append((base, owner["tag"])))
    for base, _tag in stale:
        for pidfile in base.glob("*.pid"):
            _kill_pidfile(pidfile, "jupyterhub")
        for pidfile in base.glob("state*/jupyterhub-proxy.pid"):
            _kill_pidfile(pidfile, "configurable-http-proxy")
    for user in pwd.getpwall():
        if (TEST_NAME.match(user.pw_name) and user.pw_gecos.startswith(MARKER)
                and user.pw_name[3:9] not in live_tags):
            _delete_user(user.pw_name)
    for group in grp.getgrall():
        if TEST_NAME.match(group.gr_name) and group.gr_name[3:9] not in live_tags:
            _delete_group(group.gr_name)
    for base, _tag in stale:
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- HTTP ------------------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    body: bytes
    headers: Message  # case-insensitive .get()
    cookies: list[str] = field(default_factory=list)

    def json(self):
        return json.loads(self.body)


def _request(url: str, method: str = "GET", token: str | None = None, data: bytes | None = None,
             headers: dict | None = None, opener=None, timeout: float = 60) -> Response:
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"token {token}")
    opener = opener or urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), error.headers)


# -- the cohort ------------------------------------------------------------------------------------
PROBE = r"""
import json, os, sys
results = []
for op, path in json.loads(sys.argv[1]):
    try:
        if op == "list":
            os.listdir(path)
        elif op == "read":
            with open(path, "rb") as handle:
                handle.read(1)
        elif op == "create":
            with open(path, "xb"):
                pass
            os.unlink(path)
        results.append("allowed")
    except PermissionError:
        results.append("denied")
    except FileNotFoundError:
        results.append("missing")
    except OSError as error:
        results.append(f"error: {error}")
print(json.dumps(results))
"""

# What the graded quiz does when a trainee answers: PooledQuiz.save writes responses.json (the
# answers and the draw record).  The quiz cell names the items file; the login is not passed:
# the quiz takes JUPYTERHUB_USER, which the hub gives the trainee's server and its kernels.
ANSWER = r"""
import json, os, re, sys
import nbformat
from powerdynamics.grading.pooled_quiz import PooledQuiz
assignment, answers = sys.argv[1], json.loads(sys.argv[2])
nb = nbformat.read(assignment + ".ipynb", as_version=4)
code = next(c.source for c in nb.cells if c.get("id") == "quiz")
quiz = PooledQuiz(re.search(r'ITEMS_FILE = "([^"]+)"', code).group(1))
assert quiz.login == os.environ["JUPYTERHUB_USER"], quiz
saved = {item: quiz.save(item, answer) for item, answer in answers.items()}
if len(sys.argv) > 4:  # and writes a task's answer, as in JupyterLab
    next(c for c in nb.cells if c.get("id") == sys.argv[3]).source = sys.argv[4]
    nbformat.write(nb, assignment + ".ipynb")
print(json.dumps({"login": quiz.login, "items": list(quiz.draw.items), "saved": saved}))
"""


TASK_ANSWER = ("Mariama's manager holds legitimate power and a reward in the shift rota, but the street "
               "figures carry informational power: she changes her mind because the numbers convince her.")


@dataclass
class Step:
    what: str
    seconds: float


@dataclass
class Cohort:
    base: Path
    instructor: str
    trainee1: str
    trainee2: str
    group: str
    password: str
    user_python: str
    settings: object  # course_hub.HubSettings as the hub sees it
    url: str = ""
    token: str = ""
    proxy_token: str = ""
    proxy_api: str = ""
    hub: subprocess.Popen | None = None
    steps: list[Step] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def users(self) -> list[str]:
        return [self.instructor, self.trainee1, self.trainee2]

    def home(self, user: str) -> Path:
        import pwd

        return Path(pwd.getpwnam(user).pw_dir)

    @property
    def course(self) -> Path:
        return self.home(self.instructor) / course_hub.COURSE_DIR

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return (self.base / "hub.log").read_text(errors="replace")[-chars:]
        except OSError:
            return "(no hub log)"

    def step(self, what: str, since: float) -> None:
        self.steps.append(Step(what, time.monotonic() - since))

    # -- as a user --------------------------------------------------------------------------
    def env_of(self, user: str) -> list[str]:
        """The environment the hub gives the user's server (course_hub.user_environment)."""
        env = course_hub.user_environment(self.settings, user)
        env.update(HOME=str(self.home(user)), USER=user, LOGNAME=user, PYTHONWARNINGS="ignore")
        return [f"{k}={v}" for k, v in env.items()]

    def run_as(self, user: str, *args: str, cwd: Path | None = None, timeout: float = 180,
               check: bool = True) -> subprocess.CompletedProcess:
        cmd = ["runuser", "-u", user, "--", "env", "-i", *self.env_of(user), *args]
        try:
            proc = subprocess.run(cmd, cwd=cwd or self.home(user), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as error:
            pytest.fail(f"as {user}: {' '.join(args)[:200]} did not finish in {timeout} s:\n"
                        f"{error.stdout}\n{error.stderr}")
        if check and proc.returncode != 0:
            pytest.fail(f"as {user}: {' '.join(args)[:200]} failed (rc={proc.returncode}):\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
        return proc

    def nbgrader(self, user: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        start = time.monotonic()
        proc = self.run_as(user, self.user_python, "-m", "nbgrader", *args, cwd=cwd)
        self.step(f"{user}: nbgrader {' '.join(args)}", start)
        return proc

    def probe(self, user: str, checks: list[tuple[str, Path]]) -> dict[tuple[str, str], str]:
        proc = self.run_as(user, self.user_python, "-I", "-c", PROBE,
                           json.dumps([(op, str(path)) for op, path in checks]))
        results = json.loads(proc.stdout.strip().splitlines()[-1])
        return {(op, str(path)): result for (op, path), result in zip(checks, results, strict=True)}

    # -- the hub and the users' servers --------------------------------------------------------
    def api(self, method: str, path: str, body: dict | None = None) -> Response:
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        return _request(f"{self.url}/hub/api{path}", method, self.token, data,
                        {"Content-Type": "application/json"})

    def server(self, user: str, path: str, method: str = "GET", token: str | None = "admin",
               **params: str) -> Response:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        data = b"" if method == "POST" else None
        return _request(f"{self.url}/user/{user}/{path.lstrip('/')}{query}", method,
                        self.token if token == "admin" else token, data)


def _world_python(candidates: list[str], check_user: str, cohort_env: list[str]) -> str | None:
    for python in candidates:
        if not python or not os.path.exists(python):
            continue
        probe = subprocess.run(
            ["runuser", "-u", check_user, "--", "env", "-i", *cohort_env, python, "-c",
             "import sys, jupyterhub.singleuser, jupyterlab, nbgrader, powerdynamics; open(sys.argv[1]).close()",
             str(course_hub.JUPYTER_CONFIG / "global" / "nbgrader_config.py")],
            capture_output=True, text=True, cwd="/", timeout=120)
        if probe.returncode == 0:
            return python
    return None


def _copy_console_scripts(source: Path, target: Path) -> None:
    """The hub environment's commands (nbgrader calls ``alembic``, for one), run by ``target``'s Python."""
    python = target / "python"
    for script in source.iterdir():
        if (target / script.name).exists() or not script.is_file():
            continue
        try:
            first, rest = script.read_bytes().split(b"\n", 1)
        except ValueError:
            continue
        if first.startswith(b"#!") and b"python" in first and str(source).encode() in first:
            (target / script.name).write_bytes(b"#!" + str(python).encode() + b"\n" + rest)
            os.chmod(target / script.name, 0o755)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _open_ancestors(paths: list[Path]) -> list[tuple[Path, int]]:
    """Let other users *traverse* (not list) every parent folder of ``paths``.

    CI may clone the course under a private folder such as /root; the test users must
    reach the checkout's code and virtualenv, as they would a course installed in a
    shared location (deploy/jupyterhub/README.md).  Only the search bit is added, and
    the old modes are returned so the fixture can restore them."""
    changed: list[tuple[Path, int]] = []
    for path in paths:
        for folder in [path, *path.parents]:
            mode = stat.S_IMODE(folder.stat().st_mode)
            if folder.is_dir() and not mode & stat.S_IXOTH:
                os.chmod(folder, mode | stat.S_IXOTH)
                changed.append((folder, mode))
    return changed


def _restore_modes(changed: list[tuple[Path, int]]) -> None:
    for folder, mode in reversed(changed):
        with contextlib.suppress(OSError):
            os.chmod(folder, mode)


def _shared_environment(base: Path, check_user: str) -> str:
    """The Python every user's server runs.

    On a real deployment that is the hub's own environment, installed where every user can
    read it (README).  Where this machine's interpreter lives in root's private home (pyenv
    in /root), the test makes the same interpreter reachable instead: a copy of it (hard links
    where possible, without its site-packages) in a world-readable folder, a virtualenv on it
    that uses the hub environment's packages, and a launcher that sets LD_LIBRARY_PATH to the
    copy's libpython.  Same CPython build, same packages: only the path changes.  (Another
    3.11 is no substitute: the packages were resolved for this interpreter; soupsieve 4, which
    nbconvert uses, needs Python >= 3.11.5, and generate_feedback fails on Debian 12's 3.11.2.)"""
    env = ["PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"]
    found = _world_python([sys.executable], check_user, env)
    if found:
        return found
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    source = Path(sys.base_prefix)
    python = base / "python"
    (python / "bin").mkdir(parents=True)
    _link_or_copy(str(source / "bin" / version), str(python / "bin" / version))
    (python / "lib").mkdir()
    for lib in source.joinpath("lib").glob("libpython*.so*"):
        if lib.is_symlink():
            (python / "lib" / lib.name).symlink_to(os.readlink(lib))
        else:
            _link_or_copy(str(lib), str(python / "lib" / lib.name))
    shutil.copytree(source / "lib" / version, python / "lib" / version, symlinks=True,
                    copy_function=_link_or_copy, ignore=shutil.ignore_patterns("site-packages"))
    (python / "lib" / version / "site-packages").mkdir()
    libs = {**os.environ, "LD_LIBRARY_PATH": str(python / "lib")}

    runtime = base / "runtime"
    made = subprocess.run([str(python / "bin" / version), "-m", "venv", "--without-pip", str(runtime)],
                          capture_output=True, text=True, env=libs)
    assert made.returncode == 0, f"making {runtime}: {made.stdout}{made.stderr}"
    hub_packages = sysconfig.get_paths()["purelib"]
    (runtime / "lib" / version / "site-packages" / "course-hub.pth").write_text(
        f"import site; site.addsitedir({hub_packages!r})\n")
    for name in ("etc", "share"):  # Jupyter's data and config (extensions, lab, kernels)
        if (Path(sys.prefix) / name).exists():
            (runtime / name).symlink_to(Path(sys.prefix) / name)
    _copy_console_scripts(Path(sys.prefix) / "bin", runtime / "bin")
    launcher = runtime / "bin" / "course-python"
    launcher.write_text(
        "#!/bin/sh\n"
        f"LD_LIBRARY_PATH={python / 'lib'}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\n"
        "export LD_LIBRARY_PATH\n"
        f'exec {runtime / "bin" / version} "$@"\n')
    os.chmod(launcher, 0o755)
    found = _world_python([str(launcher)], check_user, env)
    if found:
        return found
    pytest.fail(
        f"No Python that the test users can run has the course installed: {sys.executable} is not "
        f"usable by other users (is a parent directory private, e.g. /root?), and neither is the copy "
        f"in {runtime}. Install the course in a world-readable virtualenv (deploy/jupyterhub/README.md).",
        pytrace=False)


def _start_hub(cohort: Cohort, env_extra: dict[str, str], log_name: str) -> subprocess.Popen:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.path.dirname(shutil.which('node') or '/usr/bin/node')}"
                f"{os.pathsep}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/root",
        **env_extra,
    }
    with open(cohort.base / log_name, "w") as log:  # the hub keeps its own copy of the descriptor
        os.chmod(cohort.base / log_name, 0o600)
        return subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG),
             f"--JupyterHub.pid_file={cohort.base / log_name}.pid"],
            cwd=cohort.base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop_hub(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the users' servers and the proxy
        proc.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cohort():
    import grp
    import pwd

    _require_machine()
    proxy = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        pytest.fail(f"{proxy} is missing: run `npm ci` (make test does) to install configurable-http-proxy",
                    pytrace=False)
    started = time.monotonic()
    _sweep_leftovers()
    tag = secrets.token_hex(3)
    names = {role: f"pdt{tag}-{role}" for role in ("inst", "t1", "t2")}
    group = f"pdt{tag}-cohort"
    base = Path(tempfile.mkdtemp(prefix=BASE_PREFIX))
    os.chmod(base, 0o711)  # users reach the exchange and runtime inside, and list nothing
    (base / ".pd-hub-test").write_text(json.dumps({"pid": os.getpid(), "tag": tag}))
    created: list[str] = []
    hub: subprocess.Popen | None = None
    cohort = None
    errors: list[str] = []
    opened: list[tuple[Path, int]] = []
    try:
        opened = _open_ancestors([ROOT, Path(sys.prefix)])
        run = subprocess.run(["groupadd", group], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        for role, name in names.items():
            run = subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment",
                                  f"{MARKER} {role}", *(["--groups", group] if role != "inst" else []), name],
                                 capture_output=True, text=True)
            assert run.returncode == 0, f"useradd {name}: {run.stderr}"
            created.append(name)
        password = secrets.token_urlsafe(12)
        run = subprocess.run(["chpasswd"], input=f"{names['t1']}:{password}\n", capture_output=True, text=True)
        assert run.returncode == 0, run.stderr

        user_python = _shared_environment(base, names["t1"])
        # The instructors' course comes from a private copy (the checkout's exercises/ is
        # readable by everybody on this machine; the hub refuses such a source, see below).
        source = base / "course-source"
        shutil.copytree(EXERCISES, source, ignore=shutil.ignore_patterns(*course_hub.GENERATED))
        os.chmod(source, 0o700)

        port, hub_port, api_port = _free_port(), _free_port(), _free_port()
        token, proxy_token = secrets.token_hex(32), secrets.token_hex(32)
        env = {
            "POWERDYNAMICS_HUB_IP": "127.0.0.1",
            "POWERDYNAMICS_HUB_PORT": str(port),
            "POWERDYNAMICS_HUB_INTERNAL_PORT": str(hub_port),
            "POWERDYNAMICS_HUB_PROXY_API_PORT": str(api_port),
            "POWERDYNAMICS_HUB_STATE_DIR": str(base / "state"),
            "POWERDYNAMICS_EXCHANGE": str(base / "exchange"),
            "POWERDYNAMICS_HUB_INSTRUCTORS": names["inst"],
            # trainee 1 may log in as a member of the cohort's Unix group, trainee 2 is listed.
            "POWERDYNAMICS_HUB_TRAINEES": names["t2"],
            "POWERDYNAMICS_HUB_TRAINEE_GROUP": group,
            "POWERDYNAMICS_HUB_USER_PYTHON": user_python,
            "POWERDYNAMICS_HUB_COURSE_SOURCE": str(source),
            "POWERDYNAMICS_HUB_ADMIN_TOKEN": token,
            "CONFIGPROXY_AUTH_TOKEN": proxy_token,
        }
        settings = course_hub.HubSettings.from_env(env)
        cohort = Cohort(base, names["inst"], names["t1"], names["t2"], group, password, user_python,
                        settings, url=f"http://127.0.0.1:{port}", token=token, proxy_token=proxy_token,
                        proxy_api=f"http://127.0.0.1:{api_port}", started=started)
        cohort.step("create 3 users and a shared Python environment", started)

        start = time.monotonic()
        hub = cohort.hub = _start_hub(cohort, env, "hub.log")
        deadline = time.monotonic() + 90
        while True:
            try:
                if _request(f"{cohort.url}/hub/api/", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if hub.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterHub did not start (rc={hub.poll()}):\n{cohort.log_tail()}", pytrace=False)
            time.sleep(0.3)
        cohort.step("start JupyterHub and its proxy", start)
        yield cohort
    finally:
        _restore_modes(opened)
        _stop_hub(hub)
        _kill_pidfile(base / "state" / "jupyterhub-proxy.pid", "configurable-http-proxy")
        for pidfile in base.glob("*.pid"):
            _kill_pidfile(pidfile, "jupyterhub")
        uids = set()
        for name in created:
            try:
                uids.add(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        _kill_uids(uids)
        for name in created:
            problem = _delete_user(name)
            if problem:
                errors.append(problem)
        _delete_group(group)
        shutil.rmtree(base, ignore_errors=True)
        leftovers = [n for n in created if n in {u.pw_name for u in pwd.getpwall()}]
        leftovers += [group] if group in {g.gr_name for g in grp.getgrall()} else []
        leftovers += [str(base)] if base.exists() else []
        leftovers += [f"pid {p}" for p in _pids_of_uids(uids)]
        if errors or leftovers:
            raise AssertionError(f"cleanup left {leftovers}: {errors}")


def _wait_ready(cohort: Cohort, users: list[str], timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    pending = set(users)
    while pending:
        for user in sorted(pending):
            model = cohort.api("GET", f"/users/{user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                pending.discard(user)
            elif not server and not model.get("pending"):
                pytest.fail(f"{user}'s server stopped while starting:\n{cohort.log_tail()}", pytrace=False)
        if pending and time.monotonic() > deadline:
            pytest.fail(f"servers of {sorted(pending)} not ready after {timeout} s:\n{cohort.log_tail()}",
                        pytrace=False)
        if pending:
            time.sleep(0.5)


def _login(cohort: Cohort, user: str, password: str) -> Response:
    jar = CookieJar()
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    page = _request(f"{cohort.url}/hub/login", opener=opener)
    assert page.status == 200, page.status
    xsrf = re.search(rb'name="_xsrf" value="([^"]+)"', page.body)
    assert xsrf, "no _xsrf field on the login page"
    form = urllib.parse.urlencode({"username": user, "password": password,
                                   "_xsrf": xsrf.group(1).decode()}).encode()
    response = _request(f"{cohort.url}/hub/login", "POST", data=form, opener=opener,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    response.cookies = sorted(c.name for c in jar)
    return response


def _server_environ(cohort: Cohort, user: str) -> dict[str, str]:
    """The environment of ``user``'s single-user server, as the hub's spawner set it (the
    environment its kernels inherit)."""
    import pwd

    uid = pwd.getpwnam(user).pw_uid
    for pid in _pids_of_uids({uid}):
        if "jupyterhub.singleuser" in _cmdline(pid):
            raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            return dict(entry.decode(errors="replace").split("=", 1) for entry in raw if b"=" in entry)
    pytest.fail(f"no single-user server process of {user}: {[_cmdline(p) for p in _pids_of_uids({uid})]}")


# -- the flow --------------------------------------------------------------------------------------
@dataclass
class Flow:
    pool: dict  # item id -> keyed item (instructor only)
    draws: dict[str, list[str]]  # trainee -> their items, in the order shown (q01 ... q12)
    answers: dict[str, dict]  # trainee -> item id -> the answer as the quiz saved it
    right: dict[str, set[str]]  # trainee -> items answered with the best answer
    quiz_logins: dict[str, str]  # trainee -> the login the quiz took (from JUPYTERHUB_USER)
    logins: dict[str, Response]
    listed: dict
    fetch_api: dict
    submit_api: dict
    feedback_api: dict
    collect: subprocess.CompletedProcess
    autograde: subprocess.CompletedProcess
    seconds: float


@pytest.fixture(scope="module")
def flow(cohort: Cohort) -> Flow:
    from tests.support.pool_course import best_answer, wrong_answer

    inst, t1, t2 = cohort.instructor, cohort.trainee1, cohort.trainee2
    pool = _pool()
    draws = {user: _draw(user) for user in (t1, t2)}
    assert draws[t1] != draws[t2], "two trainees, one draw: the test would not tell them apart"
    # Trainee 1 answers every question best; trainee 2 the first two choice questions wrongly.
    wrong = [i for i in draws[t2] if pool[i].kind == "choice"][:2]
    assert len(wrong) == 2, draws[t2]
    answers = {t1: {i: best_answer(pool[i]) for i in draws[t1]},
               t2: {i: (wrong_answer(pool[i]) if i in wrong else best_answer(pool[i])) for i in draws[t2]}}
    right = {t1: set(draws[t1]), t2: set(draws[t2]) - set(wrong)}

    # Trainee 1 logs in with the system password (PAM; allowed as a member of the group).
    start = time.monotonic()
    logins = {"right": _login(cohort, t1, cohort.password), "wrong": _login(cohort, t1, cohort.password + "x")}
    cohort.step("PAM login (one right, one wrong password)", start)

    start = time.monotonic()
    for user in cohort.users:
        response = cohort.api("POST", f"/users/{user}/server")
        assert response.status in (201, 202), f"start {user}: {response.status} {response.body[:500]!r}"
    _wait_ready(cohort, cohort.users)
    cohort.step("start the 3 single-user servers (Hub REST API)", start)

    # Instructor: generate and release.
    cohort.nbgrader(inst, "generate_assignment", A1, cwd=cohort.course)
    cohort.nbgrader(inst, "release_assignment", A1, cwd=cohort.course)

    # Trainee 1: the Assignments tab (nbgrader's assignment_list server extension, through the hub).
    start = time.monotonic()
    listed = cohort.server(t1, "assignments", course_id=COURSE)
    assert listed.status == 200, (listed.status, listed.body[:500])
    fetch = cohort.server(t1, "assignments/fetch", "POST", course_id=COURSE, assignment_id=A1)
    assert fetch.status == 200, (fetch.status, fetch.body[:2000])
    cohort.step(f"{t1}: list + fetch in the Assignments tab", start)
    # Trainee 2: the command line.
    cohort.nbgrader(t2, "fetch_assignment", A1)

    # Both answer in the graded quiz, which saves responses.json next to the notebook, under
    # the login their server's environment gives (JUPYTERHUB_USER, set by the hub).
    start = time.monotonic()
    quiz_logins = {}
    for user in (t1, t2):
        login = _server_environ(cohort, user).get("JUPYTERHUB_USER", "")
        done = cohort.run_as(user, f"JUPYTERHUB_USER={login}", cohort.user_python, "-c", ANSWER, A1,
                             json.dumps(answers[user]), *([TASKS[0], TASK_ANSWER] if user == t1 else []),
                             cwd=cohort.home(user) / A1)
        shown = json.loads(done.stdout.strip().splitlines()[-1])
        assert shown["items"] == draws[user], (user, shown)
        assert sorted(shown["saved"]) == sorted(draws[user]), (user, shown)
        quiz_logins[user] = shown["login"]
        answers[user] = shown["saved"]  # as the quiz saved them (a case's sources sorted, ...)
    cohort.step("both trainees answer their own draw in the graded quiz", start)

    start = time.monotonic()
    submit = cohort.server(t1, "assignments/submit", "POST", course_id=COURSE, assignment_id=A1)
    assert submit.status == 200, (submit.status, submit.body[:2000])
    cohort.step(f"{t1}: submit in the Assignments tab", start)
    cohort.nbgrader(t2, "submit", A1)

    collect = cohort.nbgrader(inst, "collect", A1, cwd=cohort.course)
    autograde = cohort.nbgrader(inst, "autograde", A1, cwd=cohort.course)
    cohort.nbgrader(inst, "generate_feedback", A1, cwd=cohort.course)
    cohort.nbgrader(inst, "release_feedback", A1, cwd=cohort.course)

    start = time.monotonic()
    feedback = cohort.server(t1, "assignments/fetch_feedback", "POST", course_id=COURSE, assignment_id=A1)
    assert feedback.status == 200, (feedback.status, feedback.body[:2000])
    cohort.step(f"{t1}: fetch feedback in the Assignments tab", start)
    cohort.nbgrader(t2, "fetch_feedback", A1)
    return Flow(pool, draws, answers, right, quiz_logins, logins, listed.json(), fetch.json(),
                submit.json(), feedback.json(), collect, autograde, time.monotonic() - cohort.started)


# -- the hub, the servers, the network --------------------------------------------------------------
def _listening(pids: list[int]) -> dict[int, list[str]]:
    """Listening TCP sockets of these processes: pid -> ["127.0.0.1:port", ...]."""
    sockets: dict[str, str] = {}
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].split(":")
            if width == 8:
                host = socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1])
            else:
                raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8))
                host = socket.inet_ntop(socket.AF_INET6, raw)
            sockets[fields[9]] = f"{host}:{int(port, 16)}"
    found: dict[int, list[str]] = {}
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        inodes = [link[8:-1] for link in links if link.startswith("socket:[")]
        found[pid] = sorted(sockets[i] for i in inodes if i in sockets)
    return found


def test_everything_listens_on_127_0_0_1_only(cohort: Cohort, flow: Flow):
    import pwd

    uids = {pwd.getpwnam(u).pw_uid for u in cohort.users}
    proxy_pid = int((cohort.base / "state" / "jupyterhub-proxy.pid").read_text())
    pids = [cohort.hub.pid, proxy_pid, *_pids_of_uids(uids)]
    listening = _listening(pids)
    assert listening[cohort.hub.pid], "the hub listens on nothing?"
    assert len(listening[proxy_pid]) == 2, listening[proxy_pid]  # public port + REST API
    servers = [p for p in pids[2:] if listening.get(p)]
    assert len(servers) >= 3, f"expected the 3 single-user servers among {listening}"
    everything = [address for addresses in listening.values() for address in addresses]
    assert everything and all(a.startswith("127.0.0.1:") for a in everything), listening
    # The proxy routes every user to a server on 127.0.0.1.
    routes = _request(f"{cohort.proxy_api}/api/routes", token=cohort.proxy_token).json()
    targets = {path: route["target"] for path, route in routes.items()}
    for user in cohort.users:
        assert targets[f"/user/{user}"].startswith("http://127.0.0.1:"), targets
    # A trainee's server itself, on 127.0.0.1 behind the proxy, answers with the token only.
    direct = f"{targets[f'/user/{cohort.trainee1}']}/user/{cohort.trainee1}/api/status"
    assert _request(direct, token=cohort.token).status == 200
    assert _request(direct).status in (302, 401, 403)


def test_a_trainee_server_answers_with_a_token_only(cohort: Cohort, flow: Flow):
    t1 = cohort.trainee1
    status = cohort.server(t1, "api/status")
    assert status.status == 200, status
    assert "started" in status.json()
    anonymous = cohort.server(t1, "api/status", token=None)
    assert anonymous.status in (302, 401, 403), anonymous.status
    # A token of trainee 2 opens trainee 2's server, not trainee 1's.
    made = cohort.api("POST", f"/users/{cohort.trainee2}/tokens", {"note": "hub test", "expires_in": 600})
    assert made.status in (200, 201), made.body
    other = made.json()["token"]
    assert cohort.server(cohort.trainee2, "api/status", token=other).status == 200
    assert cohort.server(t1, "api/status", token=other).status in (302, 403, 404)


def test_pam_login_with_the_system_password(flow: Flow):
    right, wrong = flow.logins["right"], flow.logins["wrong"]
    assert right.status == 302, (right.status, right.body[:1000])
    assert any(c.startswith("jupyterhub-hub-login") for c in right.cookies), right.cookies
    assert wrong.status == 403, wrong.status


# -- what each user gets ---------------------------------------------------------------------------
def test_every_user_gets_the_lessons_and_opens_the_first_one(cohort: Cohort, flow: Flow):
    for user in cohort.users:
        home = cohort.home(user)
        assert stat.S_IMODE(home.stat().st_mode) & 0o077 == 0, f"{home} is readable by others"
        lesson = cohort.server(user, f"api/contents/{course_hub.LESSONS_DIR}/{course_hub.FIRST_LESSON}",
                               content="0")
        assert lesson.status == 200, (user, lesson.status)
        assert (home / course_hub.LESSONS_DIR / course_hub.FIRST_LESSON).stat().st_uid == home.stat().st_uid
    model = cohort.api("GET", f"/users/{cohort.trainee1}").json()
    assert model["servers"][""]["url"] == f"/user/{cohort.trainee1}/"
    landing = cohort.server(cohort.trainee1, "")
    assert landing.status in (301, 302), landing.status
    location = urllib.parse.urlsplit(landing.headers.get("Location", "")).path
    assert location.endswith(course_hub.HubSettings().default_url), (location, landing.headers.items())
    # Every user's Python has the course package (the kernels of the trainees' notebooks).
    for user in (cohort.trainee1, cohort.instructor):
        out = cohort.run_as(user, cohort.user_python, "-c", "import powerdynamics; print(powerdynamics.__name__)")
        assert out.stdout.strip() == "powerdynamics"


def test_formgrader_for_the_instructor_only(cohort: Cohort, flow: Flow):
    page = cohort.server(cohort.instructor, "formgrader/manage_assignments")
    assert page.status == 200, page.status
    course = cohort.server(cohort.instructor, "formgrader/api/assignments")
    assert course.status == 200, (course.status, course.body[:500])
    assert A1 in [a["name"] for a in course.json()], course.json()
    for trainee in (cohort.trainee1, cohort.trainee2):
        assert cohort.server(trainee, "formgrader/manage_assignments").status == 404, trainee
        assert cohort.server(trainee, "formgrader/api/assignments").status == 404, trainee
        lab = cohort.server(trainee, "lab")
        assert lab.status == 200, lab.status
        config = json.loads(re.search(rb'id="jupyter-config-data"[^>]*>(.*?)</script>', lab.body, re.S).group(1))
        disabled = config.get("disabledExtensions", [])
        assert "@jupyter/nbgrader:formgrader" in disabled and "@jupyter/nbgrader:create-assignment" in disabled
        # ... and the Assignments tab still works.
        assert cohort.server(trainee, "assignments", course_id=COURSE).status == 200
    assert cohort.home(cohort.trainee1).joinpath(course_hub.COURSE_DIR).exists() is False


# -- the nbgrader flow -----------------------------------------------------------------------------
def test_release_fetch_and_submit_went_through_the_exchange(cohort: Cohort, flow: Flow):
    assert flow.listed["success"], flow.listed
    assert [(a["assignment_id"], a["status"]) for a in flow.listed["value"]] == [(A1, "released")]
    assert flow.fetch_api["success"] and flow.fetch_api["value"][0]["status"] == "fetched", flow.fetch_api
    assert flow.submit_api["success"], flow.submit_api
    statuses = {a["status"] for a in flow.submit_api["value"]}
    assert "submitted" in statuses, flow.submit_api
    for user in (cohort.trainee1, cohort.trainee2):
        assert flow.quiz_logins[user] == user, "the quiz did not take the login from JUPYTERHUB_USER"
        folder = cohort.home(user) / A1
        assert (folder / "responses.json").stat().st_uid == folder.stat().st_uid
        saved = json.loads((folder / "responses.json").read_text())
        assert saved["answers"] == flow.answers[user]
        assert saved["assignment"] == POOL
        assert (saved["draw"]["student"], saved["draw"]["items"]) == (user, flow.draws[user])
    for user in (cohort.trainee1, cohort.trainee2):
        submitted = cohort.course / "submitted" / user / A1
        assert sorted(p.name for p in submitted.iterdir()) == sorted(
            [f"{A1}.ipynb", "a1-items.json", "responses.json", "timestamp.txt",
             "submission_secret.txt"]), user
    assert "cheating attempt" not in flow.collect.stderr + flow.collect.stdout


def test_the_gradebook_has_both_trainees_scores(cohort: Cohort, flow: Flow):
    from nbgrader.api import Gradebook

    t1, t2 = cohort.trainee1, cohort.trainee2
    positions = [f"q{k:02d}" for k in range(1, SIZE + 1)]
    with Gradebook(f"sqlite:///{cohort.course / 'gradebook.db'}", COURSE) as gb:
        assert sorted(s.id for s in gb.students) == sorted([t1, t2])
        for user, expected in ((t1, SIZE), (t2, SIZE - 2)):
            submission = gb.find_submission(A1, user)
            grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
            assert sorted(grades) == sorted([*positions, *TASKS]), sorted(grades)
            # Position k is the k-th item of the trainee's own draw.
            scores = {item: grades[q].auto_score for q, item in zip(positions, flow.draws[user], strict=True)}
            assert sum(scores.values()) == expected, (user, scores)
            for item, score in scores.items():
                assert score == (1.0 if item in flow.right[user] else 0.0), (user, item)
            # A written task waits for the instructor; an untouched one scores 0 at once.
            assert grades[TASKS[0]].needs_manual_grade == (user == t1), user
            assert grades[TASKS[1]].needs_manual_grade is False and grades[TASKS[1]].score == 0, user
            assert submission.score == expected


def test_feedback_reaches_each_trainee_without_keys(cohort: Cohort, flow: Flow):
    from powerdynamics.grading.pools import key_leaks

    assert flow.feedback_api["success"], flow.feedback_api
    rubric = _rubric_lines()
    for user, right in ((cohort.trainee1, SIZE), (cohort.trainee2, SIZE - 2)):
        pages = list((cohort.home(user) / A1 / "feedback").glob(f"*/{A1}.html"))
        assert len(pages) == 1, (user, pages)
        raw = pages[0].read_text(encoding="utf-8")
        assert pages[0].stat().st_uid == cohort.home(user).stat().st_uid
        text = html_text(raw)
        scores = re.findall(r"Score: ([0-9.]+) / ([0-9.]+)", text)
        assert scores[0] == (f"{right:.1f}", f"{TOTAL:.1f}"), (user, scores)  # the total comes first
        items = [s for s in scores[1:] if s[1] == "1.0"]
        assert {s[0] for s in items} <= {"0.0", "1.0"} and len(items) >= SIZE, (user, scores)
        assert items.count(("0.0", "1.0")) == 2 * (SIZE - right), (user, scores)  # listed, then at the cell
        for form in (raw, html.unescape(raw), text):
            assert "BEGIN SOLUTION" not in form and not [r for r in rubric if r in form], user
            # No key of an item the trainee did not get right (their own right answers may show).
            assert key_leaks(form, flow.pool.values(), allowed=flow.right[user]) == [], user


# -- who can read what -----------------------------------------------------------------------------
def test_the_exchange_has_nbgraders_permissions(cohort: Cohort, flow: Flow):
    root = cohort.exchange
    info = root.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o1777), oct(info.st_mode)
    course = root / COURSE
    inst_uid = cohort.home(cohort.instructor).stat().st_uid
    expected = {"": 0o755, "outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}
    for name, mode in expected.items():
        path = course / name
        assert (path.stat().st_uid, stat.S_IMODE(path.stat().st_mode)) == (inst_uid, mode), (path, oct(
            path.stat().st_mode))
    released = (course / "outbound" / A1 / f"{A1}.ipynb").read_text(encoding="utf-8")
    assert "HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released
    assert not [r for r in _rubric_lines() if r in released]
    from powerdynamics.grading.pools import key_leaks

    items = (course / "outbound" / A1 / ITEMS_FILE).read_text(encoding="utf-8")  # released, key-free
    assert key_leaks(items, _pool().values(), structured=True) == []
    assert key_leaks(released, _pool().values()) == []


def test_a_trainee_cannot_read_another_trainees_work_or_the_keys(cohort: Cohort, flow: Flow):
    t1, t2 = cohort.trainee1, cohort.trainee2
    course = cohort.exchange / COURSE
    inbound = course / "inbound"
    mine = list(inbound.glob(f"{t1}+{A1}+*"))
    assert len(mine) == 1, mine
    denied = [
        ("list", inbound),  # nobody else's submission can be found ...
        ("list", course / "feedback"),  # ... nor anybody's feedback
        ("list", cohort.home(t1)),
        ("read", cohort.home(t1) / A1 / "responses.json"),
        ("read", cohort.home(t1) / A1 / f"{A1}.ipynb"),
        ("list", cohort.home(t1) / ".local" / "share" / "jupyter" / "nbgrader_cache"),
        ("read", cohort.course / "source" / A1 / f"{A1}.ipynb"),  # the rubrics
        ("read", cohort.course / "pools" / f"{POOL}.yaml"),  # the instructor's keys
        ("read", cohort.course / "gradebook.db"),
        ("read", cohort.course / "submitted" / t1 / A1 / "responses.json"),
        ("list", cohort.base / "course-source"),  # the hub's private course copy
        ("list", cohort.base / "state"),  # the hub's database and cookie secret
        ("create", course / "outbound" / A1 / "tampered.txt"),  # nobody changes the release
    ]
    allowed = [
        ("read", course / "outbound" / A1 / f"{A1}.ipynb"),  # the release is for everyone
        ("read", cohort.home(t2) / A1 / "responses.json"),  # one's own work
    ]
    for op, path in denied + allowed:
        if op != "create":
            assert path.exists(), f"{path} should exist for this check to mean anything"
    results = cohort.probe(t2, denied + allowed)
    for op, path in denied:
        assert results[(op, str(path))] == "denied", f"{t2} could {op} {path}: {results[(op, str(path))]}"
    for op, path in allowed:
        assert results[(op, str(path))] == "allowed", f"{t2} cannot {op} {path}: {results[(op, str(path))]}"
    # And the other way round.
    back = cohort.probe(t1, [("read", cohort.home(t2) / A1 / "responses.json"), ("list", cohort.home(t2))])
    assert set(back.values()) == {"denied"}, back


def test_the_hub_refuses_a_course_source_that_every_user_can_read(cohort: Cohort):
    readable = cohort.base / "readable-source"
    shutil.copytree(EXERCISES, readable, ignore=shutil.ignore_patterns(*course_hub.GENERATED))
    os.chmod(readable, 0o755)
    env = {
        "POWERDYNAMICS_HUB_PORT": str(_free_port()),
        "POWERDYNAMICS_HUB_INTERNAL_PORT": str(_free_port()),
        "POWERDYNAMICS_HUB_PROXY_API_PORT": str(_free_port()),
        "POWERDYNAMICS_HUB_STATE_DIR": str(cohort.base / "state-refused"),
        "POWERDYNAMICS_EXCHANGE": str(cohort.base / "exchange"),
        "POWERDYNAMICS_HUB_INSTRUCTORS": cohort.instructor,
        "POWERDYNAMICS_HUB_USER_PYTHON": cohort.user_python,
        "POWERDYNAMICS_HUB_COURSE_SOURCE": str(readable),
    }
    proc = _start_hub(cohort, env, "refused.log")
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _stop_hub(proc)
        pytest.fail("the hub started with a world-readable course source")
    finally:
        _stop_hub(proc)
    log = (cohort.base / "refused.log").read_text(errors="replace")
    assert proc.returncode != 0
    assert "can be read by every user" in log and f"chmod 700 {readable}" in log, log[-3000:]


def test_flow_time(cohort: Cohort, flow: Flow, capsys):
    with capsys.disabled():
        print(f"\nJupyterHub cohort flow: {flow.seconds:.1f} s in all (users created -> feedback fetched)")
        for step in cohort.steps:
            print(f"  {step.seconds:6.2f} s  {step.what[:100]}")
    assert flow.seconds < 170, f"the JupyterHub flow took {flow.seconds:.0f} s"
