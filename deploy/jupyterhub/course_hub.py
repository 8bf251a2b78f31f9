"""Settings and helpers of the course's JupyterHub; ``jupyterhub_config.py`` wires them in.

Everything a deployment may change is read from environment variables (``POWERDYNAMICS_HUB_*``,
listed in :class:`HubSettings`), so that one file serves a workshop laptop, a course server
and the end-to-end test (``tests/e2e/hub/test_jupyterhub.py``) without edits.

The hub runs as root and starts every user's server as that user (LocalProcessSpawner).
Root is used for three things only: binding the hub, creating the nbgrader exchange, and
copying course files into a user's home on first start.  The copy is written by a process
running *as the user* (root only reads the source), so nothing a user controls in their
home is ever written with root's privileges.
"""

from __future__ import annotations

import asyncio
import io
import os
import pwd
import stat
import sys
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
COURSE_ID = "power-dynamics"
#: Where trainees (and instructors) find the lessons in their home, and the first lesson.
LESSONS_DIR = "power-dynamics"
FIRST_LESSON = "01-what-power-dynamics-are.ipynb"
#: Where an instructor's private nbgrader course directory is created in their home.
COURSE_DIR = "power-dynamics-course"
#: Jupyter configuration for every user, then per role (see jupyter-config/).
JUPYTER_CONFIG = HERE / "jupyter-config"
INSTRUCTOR, TRAINEE = "instructor", "trainee"
#: nbgrader output and trainees' work that must never be copied into a new course directory.
GENERATED = {"release", "submitted", "autograded", "feedback", "downloaded", "autograde-logs",
             "gradebook.db", "__pycache__", ".ipynb_checkpoints"}
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def _names(value: str | None) -> frozenset[str]:
    return frozenset(n.strip() for n in (value or "").replace(" ", ",").split(",") if n.strip())


def _default_proxy() -> list[str]:
    local = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
    return [str(local)] if local.exists() else ["configurable-http-proxy"]


@dataclass(frozen=True)
class HubSettings:
    """One cohort's hub.  Environment variable in brackets."""

    ip: str = "127.0.0.1"  # public address of the proxy [POWERDYNAMICS_HUB_IP]
    port: int = 8000  # public port [POWERDYNAMICS_HUB_PORT]
    hub_port: int = 8081  # the hub's own API, on 127.0.0.1 [POWERDYNAMICS_HUB_INTERNAL_PORT]
    proxy_api_port: int = 8001  # the proxy's REST API, on 127.0.0.1 [POWERDYNAMICS_HUB_PROXY_API_PORT]
    state_dir: Path = Path("/srv/jupyterhub")  # database, cookie secret [POWERDYNAMICS_HUB_STATE_DIR]
    exchange: Path = Path("/srv/nbgrader/exchange")  # nbgrader exchange [POWERDYNAMICS_EXCHANGE]
    instructors: frozenset[str] = frozenset({"instructor"})  # [POWERDYNAMICS_HUB_INSTRUCTORS]
    trainees: frozenset[str] = frozenset()  # listed trainees [POWERDYNAMICS_HUB_TRAINEES]
    trainee_group: str = "power-dynamics"  # Unix group of the cohort [POWERDYNAMICS_HUB_TRAINEE_GROUP]
    admins: frozenset[str] = frozenset()  # hub administrators [POWERDYNAMICS_HUB_ADMINS]
    #: Python of the users' servers: must be runnable by every user [POWERDYNAMICS_HUB_USER_PYTHON]
    user_python: str = sys.executable
    #: the instructors' course (nbgrader source, keys): private [POWERDYNAMICS_HUB_COURSE_SOURCE]
    course_source: Path = REPO / "exercises"
    lessons_source: Path = REPO / "notebooks"  # [POWERDYNAMICS_HUB_LESSONS]
    admin_token: str = ""  # token of the "course-admin" service [POWERDYNAMICS_HUB_ADMIN_TOKEN]
    proxy_command: list[str] = field(default_factory=_default_proxy)  # [POWERDYNAMICS_HUB_PROXY]
    private_homes: bool = True  # chmod go-rwx every home at spawn [POWERDYNAMICS_HUB_PRIVATE_HOMES]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> HubSettings:
        def get(name: str, default):
            value = environ.get(name)
            return default if value is None or value == "" else value

        d = cls()
        group = get("POWERDYNAMICS_HUB_TRAINEE_GROUP", d.trainee_group)
        proxy = environ.get("POWERDYNAMICS_HUB_PROXY", "")
        return cls(
            ip=get("POWERDYNAMICS_HUB_IP", d.ip),
            port=int(get("POWERDYNAMICS_HUB_PORT", d.port)),
            hub_port=int(get("POWERDYNAMICS_HUB_INTERNAL_PORT", d.hub_port)),
            proxy_api_port=int(get("POWERDYNAMICS_HUB_PROXY_API_PORT", d.proxy_api_port)),
            state_dir=Path(get("POWERDYNAMICS_HUB_STATE_DIR", d.state_dir)),
            exchange=Path(get("POWERDYNAMICS_EXCHANGE", d.exchange)),
            instructors=_names(get("POWERDYNAMICS_HUB_INSTRUCTORS", ",".join(d.instructors))),
            trainees=_names(environ.get("POWERDYNAMICS_HUB_TRAINEES")),
            # "-" means no group: only the listed trainees may log in.
            trainee_group="" if group == "-" else group,
            admins=_names(environ.get("POWERDYNAMICS_HUB_ADMINS")),
            user_python=get("POWERDYNAMICS_HUB_USER_PYTHON", d.user_python),
            course_source=Path(get("POWERDYNAMICS_HUB_COURSE_SOURCE", d.course_source)),
            lessons_source=Path(get("POWERDYNAMICS_HUB_LESSONS", d.lessons_source)),
            admin_token=environ.get("POWERDYNAMICS_HUB_ADMIN_TOKEN", ""),
            proxy_command=[proxy] if proxy else d.proxy_command,
            private_homes=get("POWERDYNAMICS_HUB_PRIVATE_HOMES", "1") not in ("0", "false", "no"),
        )

    def role_of(self, username: str) -> str:
        return INSTRUCTOR if username in self.instructors else TRAINEE

    @property
    def default_url(self) -> str:
        return f"/lab/tree/{LESSONS_DIR}/{FIRST_LESSON}"


# -- what every user's server gets ------------------------------------------------------------
def jupyter_config_path(role: str) -> str:
    """JUPYTER_CONFIG_PATH of a user's processes: the role's folder first (it wins), then the
    folder every user shares (the global nbgrader_config.py with the exchange)."""
    return os.pathsep.join([str(JUPYTER_CONFIG / role), str(JUPYTER_CONFIG / "global")])


def user_environment(settings: HubSettings, username: str) -> dict[str, str]:
    """Environment variables of a user's server (and of anything run in it: kernels,
    terminals, nbgrader).  The spawner adds HOME, USER, SHELL and JupyterHub's own."""
    bin_dir = os.path.dirname(settings.user_python)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{SYSTEM_PATH}",
        "JUPYTER_CONFIG_PATH": jupyter_config_path(settings.role_of(username)),
        "POWERDYNAMICS_EXCHANGE": str(settings.exchange),
        "LANG": "C.UTF-8",
    }


# -- the exchange, the state directory, the private course ----------------------------------------
def ensure_exchange(path: Path) -> None:
    """nbgrader's exchange: one directory every user can write to, owned by root, with the
    sticky bit (mode 1777, like /tmp) so nobody can delete or rename another's entry.
    nbgrader itself then creates <course>/outbound (0755, the instructor's),
    <course>/inbound (2733: anyone may submit, nobody but the instructor may list) and
    <course>/feedback (0711)."""
    path.mkdir(parents=True, exist_ok=True)
    for parent in path.parents:  # every user must be able to reach it
        if stat.S_IMODE(parent.stat().st_mode) & 0o001 == 0:
            raise RuntimeError(f"nbgrader exchange {path}: {parent} is not searchable by other users "
                               f"(chmod o+x {parent}, or put the exchange elsewhere)")
    info = path.stat()
    if info.st_uid != 0 or info.st_gid != 0:
        os.chown(path, 0, 0)
    if stat.S_IMODE(info.st_mode) != 0o1777:
        os.chmod(path, 0o1777)


def ensure_state_dir(path: Path) -> None:
    """The hub's database and cookie secret: root only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def check_course_source_is_private(path: Path) -> None:
    """exercises/ holds the answer keys (source/, keycheck/): on a shared server no trainee
    may read it.  Refuse to start rather than serve a cohort from a readable copy."""
    if not (path / "nbgrader_config.py").is_file() or not (path / "source").is_dir():
        raise RuntimeError(f"course source {path}: not an nbgrader course directory "
                           "(no nbgrader_config.py and source/); set POWERDYNAMICS_HUB_COURSE_SOURCE")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o005:
        raise RuntimeError(
            f"course source {path} (mode {mode:o}) can be read by every user of this machine, "
            "and it holds the answer keys of the graded quizzes. Make it private first: "
            f"chmod 700 {path}  (git does not track directory modes, so do it after every fresh clone)")


# -- copying course files into a home, as the user ------------------------------------------------
def _tar_of(source: Path, *, dir_mode: int, file_mode: int, skip: Iterable[str] = ()) -> bytes:
    """A tar archive of ``source`` (read with the hub's privileges), with fixed modes and
    no owner, links or special files."""
    skip = set(skip)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for root, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if d not in skip and not os.path.islink(os.path.join(root, d)))
            rel = os.path.relpath(root, source)
            if rel != ".":
                info = tarfile.TarInfo(rel)
                info.type, info.mode = tarfile.DIRTYPE, dir_mode
                tar.addfile(info)
            for name in sorted(files):
                full = os.path.join(root, name)
                if name in skip or not os.path.isfile(full) or os.path.islink(full):
                    continue
                data = Path(full).read_bytes()
                info = tarfile.TarInfo(os.path.normpath(os.path.join(rel, name)))
                info.size, info.mode = len(data), file_mode
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# Runs as the user: creates ``dest`` (which must not exist) and unpacks the archive into it.
_UNPACK = """
import os, sys, tarfile
dest, mode = sys.argv[1], int(sys.argv[2], 8)
os.mkdir(dest, mode)
os.chmod(dest, mode)
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tar:
    kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    tar.extractall(dest, **kwargs)
"""


def _as_user(pw: pwd.struct_passwd):
    def demote() -> None:
        os.setgid(pw.pw_gid)
        os.initgroups(pw.pw_name, pw.pw_gid)
        os.setuid(pw.pw_uid)

    return demote


async def install_as_user(settings: HubSettings, pw: pwd.struct_passwd, source: Path, dest: Path,
                          *, private: bool) -> bool:
    """Copy ``source`` to ``dest`` in the user's home unless ``dest`` already exists (a
    trainee's work is never overwritten).  Returns whether it copied."""
    if os.path.lexists(dest):
        return False
    dir_mode, file_mode = (0o700, 0o600) if private else (0o755, 0o644)
    archive = _tar_of(source, dir_mode=dir_mode, file_mode=file_mode, skip=GENERATED)
    proc = await asyncio.create_subprocess_exec(
        settings.user_python, "-I", "-c", _UNPACK, str(dest), oct(dir_mode)[2:],
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=pw.pw_dir, env={"PATH": SYSTEM_PATH, "HOME": pw.pw_dir, "LANG": "C.UTF-8"},
        preexec_fn=_as_user(pw),
    )
    output, _ = await proc.communicate(archive)
    if proc.returncode != 0:
        raise RuntimeError(f"copying {source} to {dest} as {pw.pw_name} failed:\n"
                           f"{output.decode(errors='replace')[-2000:]}")
    return True


async def provision_home(settings: HubSettings, username: str, log=None) -> None:
    """Before a user's server starts: make the home private, give everyone the lessons and
    instructors their own nbgrader course directory (a private copy of exercises/)."""
    pw = pwd.getpwnam(username)
    home = Path(pw.pw_dir)
    if not home.is_dir():
        raise RuntimeError(f"{username} has no home directory {home} (create users with useradd -m)")
    if settings.private_homes:
        mode = stat.S_IMODE(home.stat().st_mode)
        if mode & 0o077:
            os.chmod(home, mode & ~0o077)  # nobody else reads a trainee's work (or an instructor's keys)
            if log:
                log.info("Made %s private (was %o)", home, mode)
    if await install_as_user(settings, pw, settings.lessons_source, home / LESSONS_DIR, private=False) and log:
        log.info("Copied the lessons to %s", home / LESSONS_DIR)
    if settings.role_of(username) == INSTRUCTOR:
        course = home / COURSE_DIR
        if await install_as_user(settings, pw, settings.course_source, course, private=True) and log:
            log.info("Created the nbgrader course directory %s", course)
