"""The checks that also run against a real workspace (TEST_MODE=live): together they call every
Databricks-facing route of the app, against the fake offline and the workspace live."""
