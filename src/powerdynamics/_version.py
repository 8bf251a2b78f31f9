"""The course package's version, in a module of its own so that any layer can read it
without importing the package root (which names the engine's public objects)."""

__version__ = "0.1.0"
