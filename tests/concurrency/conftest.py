"""Concurrency tests run on PostgreSQL only, with several real processes."""
from __future__ import annotations

import multiprocessing

import pytest


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency tests need PostgreSQL")
    return database_url


def run_processes(target, args_list, timeout=240):
    """Start one process per args tuple at once; return their results in order."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(args_list)) as pool:
        pending = [pool.apply_async(target, args) for args in args_list]
        return [result.get(timeout=timeout) for result in pending]
