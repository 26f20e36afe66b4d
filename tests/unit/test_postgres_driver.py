"""The services read PostgreSQL through psycopg's C implementation (the `psycopg[binary]` wheel):
in pure Python, reading a page's rows costs a service about as much as the rest of the request
(benchmarks/README.md, 7 December 2026)."""

import psycopg


def test_psycopg_reads_rows_in_c_not_in_python() -> None:
    assert psycopg.pq.__impl__ in ("binary", "c"), (
        f"psycopg runs its {psycopg.pq.__impl__} implementation: install psycopg[binary]")
