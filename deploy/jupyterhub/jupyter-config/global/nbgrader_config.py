"""nbgrader settings every user of the hub shares: where the exchange is, which course.

Loaded by every user's nbgrader (CLI and the Assignments / formgrader extensions) because the
hub puts this folder on JUPYTER_CONFIG_PATH.  On a machine without the hub, copy it to
/etc/jupyter/nbgrader_config.py; on Zero to JupyterHub, mount it there with singleuser.extraFiles.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# One shared directory, root-owned, mode 1777 (the hub creates it; see course_hub.ensure_exchange).
c.Exchange.root = os.environ.get("POWERDYNAMICS_EXCHANGE", "/srv/nbgrader/exchange")
c.CourseDirectory.course_id = "power-dynamics"
# Submissions are named <trainee>+<assignment>+<time>+<random>: the inbound folder cannot be
# listed by trainees, and the random part keeps a name from being guessed (nbgrader's default).
c.ExchangeSubmit.add_random_string = True
