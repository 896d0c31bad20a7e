"""Benchmarks: `python bench/run.py [name …]`. See bench/run.py and bench/RESULTS.md."""
