"""JupyterHub configuration of the Power Dynamics course (JupyterHub 5/6, nbgrader 0.9).

One machine, local system users, one instructor (or a few) and a cohort of trainees:

- PAM login with the users' system accounts (trainees: the Unix group
  ``power-dynamics`` or an explicit list; instructors: an explicit list);
- every user's server is started by the hub (running as root) as that user
  (LocalProcessSpawner), bound to 127.0.0.1, from one Python environment shared
  read-only by everybody (the one that has the course installed);
- on first start the hub copies the lessons into the user's home and opens the first
  lesson; an instructor also gets a private copy of the nbgrader course
  (``~/power-dynamics-course``) and the formgrader; trainees get the Assignments tab
  (fetch, submit, fetch feedback) and no formgrader;
- nbgrader's exchange is one shared directory, root-owned, mode 1777.

Start it (as root) from anywhere:  jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
Settings come from POWERDYNAMICS_HUB_* environment variables: see course_hub.py and README.md.
"""

import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from course_hub import (  # noqa: E402  (the folder of this file must be importable first)
    COURSE_ID,
    HubSettings,
    check_course_source_is_private,
    ensure_exchange,
    ensure_state_dir,
    provision_home,
    user_environment,
)

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
settings = HubSettings.from_env()
log = logging.getLogger("JupyterHub")

# -- network: the proxy on 127.0.0.1 by default, the hub and its proxy API on 127.0.0.1 only -------
c.JupyterHub.bind_url = f"http://{settings.ip}:{settings.port}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.hub_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
# configurable-http-proxy from the npm registry (package.json); the repository's copy if installed.
c.ConfigurableHTTPProxy.command = settings.proxy_command

# -- state: root only ------------------------------------------------------------------------
if os.geteuid() == 0:
    ensure_state_dir(settings.state_dir)
c.JupyterHub.db_url = f"sqlite:///{settings.state_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(settings.state_dir / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(settings.state_dir / "jupyterhub-proxy.pid")

# -- who may log in -------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_users = set(settings.instructors | settings.trainees)
if settings.trainee_group:
    c.PAMAuthenticator.allowed_groups = {settings.trainee_group}
# Hub admins can open any user's server, i.e. read every trainee's work: keep the list short.
# Instructors do not need it (collecting goes through the exchange).
c.Authenticator.admin_users = set(settings.admins)

# A service token for scripts (and the end-to-end test): create users' servers, talk to them.
if settings.admin_token:
    c.JupyterHub.services = [{"name": "course-admin", "api_token": settings.admin_token}]
    c.JupyterHub.load_roles = [{
        "name": "course-admin",
        "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "read:hub"],
        "services": ["course-admin"],
    }]

# -- every user's server ---------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [settings.user_python, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = settings.default_url
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# PATH, the role's Jupyter configuration (formgrader or not) and the exchange.
c.Spawner.environment = {
    key: (lambda spawner, key=key: user_environment(settings, spawner.user.name)[key])
    for key in user_environment(settings, "nobody")
}


async def pre_spawn_hook(spawner):
    await provision_home(settings, spawner.user.name, log=spawner.log)


c.Spawner.pre_spawn_hook = pre_spawn_hook

# -- nbgrader: the exchange, and the course every instructor's copy comes from ----------------------
if os.geteuid() == 0:
    ensure_exchange(settings.exchange)
    if settings.instructors:
        check_course_source_is_private(settings.course_source)
else:
    log.warning("Not running as root: cannot start servers as other users nor set up %s", settings.exchange)
log.info("Course %s: instructors %s; exchange %s", COURSE_ID, ", ".join(sorted(settings.instructors)) or "-",
         settings.exchange)
