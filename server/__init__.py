"""A Databricks App backend: Lakebase, Unity Catalog and Model Serving on behalf of the user."""
