"""Benchmarks that print numbers; not tests."""
