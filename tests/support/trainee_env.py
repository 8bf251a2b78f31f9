"""The trainee wheel, built and installed into a scratch virtualenv (once per session:
``trainee_install`` in conftest.py). Dependencies come from pip's cache, or PyPI through
the ordinary client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import venv
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import ROOT


@dataclass
class Dist:
    wheel: Path
    sdist: Path
    env: Path
    site: Path
    build_seconds: float
    install_seconds: float
    installed_at: float  # time.monotonic() when pip install started

    @property
    def bin(self) -> Path:
        return self.env / "bin"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with nothing of the course team's: no venv on PATH, no PYTHONPATH."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "SHELL": "/bin/bash", "MPLBACKEND": "Agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "POWERDYNAMICS_PROGRESS_DB": str(home / "progress.sqlite3")}
    for name in ("PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CACHE_DIR",
                 "XDG_CACHE_HOME", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy"):
        if name in os.environ:
            env[name] = os.environ[name]
    for config in (Path.home() / ".config" / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf"):
        if "PIP_CONFIG_FILE" not in env and config.is_file():  # the developer's indexes, under a scratch HOME
            env["PIP_CONFIG_FILE"] = str(config)
    if "PIP_CACHE_DIR" not in env:  # keep using the developer's pip cache under a scratch HOME
        env["PIP_CACHE_DIR"] = subprocess.run(
            [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True).stdout.strip()
    env.update(extra)
    return env


def build_and_install(work: Path) -> Dist:
    """Build the wheel and sdist from a copy of the repository (with exercises/ and docs/,
    so that leaving them out is tested) and install the wheel, without extras, into a
    scratch virtualenv under ``work``."""
    source = work / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", "release",
                                    "submitted", "autograded", "feedback", "gradebook.db")
    for folder in ("src", "notebooks", "exercises", "docs"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    out = work / "dist"
    start = time.monotonic()
    # --no-isolation: the build tools of this environment (setuptools, wheel), no scratch
    # build environment per sdist and wheel (make dist uses an isolated build).
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--skip-dependency-check",
                        "--outdir", str(out), str(source)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    build_seconds = time.monotonic() - start
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")

    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    home = work / "home"
    home.mkdir()
    installed_at = time.monotonic()
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(wheel)],
                       capture_output=True, text=True, timeout=900, env=clean_env(home))
    assert r.returncode == 0, r.stderr[-3000:]
    install_seconds = time.monotonic() - installed_at
    (site,) = env_dir.glob("lib/python3*/site-packages")
    return Dist(wheel, sdist, env_dir, site, build_seconds, install_seconds, installed_at)


