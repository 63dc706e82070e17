"""Tests of the test automation itself (noxfile, workflows, coverage gates)."""
