"""Behaviour behind the routers; each service talks to Databricks or the database."""
