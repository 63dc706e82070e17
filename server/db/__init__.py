"""Engine factory, Lakebase credentials and migrations."""
