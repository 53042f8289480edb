"""Tests of tinygrad_edu.ops (a package, so its test files may share names with those of tests/nn)."""
