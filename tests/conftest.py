"""Root test configuration: the fake workspace plugin is loaded for every test."""

pytest_plugins = ["tests.fakes.plugin"]
