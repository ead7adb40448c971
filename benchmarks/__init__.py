"""Benchmarks: run at the scale an issue names; figures go to BENCHMARKS.md."""
