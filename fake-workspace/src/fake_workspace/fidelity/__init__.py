"""How close the fake is to Databricks: response shapes, their comparison and the report.

Used by the suite's harness (offline and live runs), by `nox -s fidelity` and by
``python -m fake_workspace.fidelity``; it imports nothing from the repository around it.
"""
