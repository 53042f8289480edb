"""Tests of tinygrad_edu.nn (a package, so its test files may share names with those of tests/ops)."""
