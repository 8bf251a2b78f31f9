"""The scenario bank: labels (the schema's vocabulary), the YAML loader and the data.

Submodules: :mod:`.labels` (categories and labels), :mod:`.loader` (YAML to validated
items, with located problems), :mod:`.audit` (counts and audits over the whole bank).
The item models themselves live in :mod:`powerdynamics.kinds`, one module per kind.
This package imports nothing eagerly, so ``powerdynamics.bank.labels`` stays cheap.
"""
