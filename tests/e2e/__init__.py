"""End to end, with the real components: the built book, Chromium, JupyterLab, nbgrader,
JupyterHub, JupyterLite and a scratch install."""
