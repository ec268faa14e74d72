"""Speed benchmarks: ``python -m benchmarks [filter]`` prints a table per case."""
