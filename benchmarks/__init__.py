"""Throughput and latency benchmarks (`make bench`)."""
