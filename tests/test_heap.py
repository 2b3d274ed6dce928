"""The collector paused around large imports, and what was imported frozen."""

from __future__ import annotations

import gc

import pytest

from outcomes.heap import imports_frozen


@pytest.fixture(autouse=True)
def collector_restored():
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_the_collector_is_paused_in_the_block_then_resumed_with_the_objects_frozen():
    assert gc.isenabled()
    before = gc.get_freeze_count()
    with imports_frozen():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]  # lists are always tracked
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)


def test_an_error_in_the_block_still_resumes_the_collector():
    with pytest.raises(ImportError), imports_frozen():
        import outcomes_no_such_module  # noqa: F401
    assert gc.isenabled()


def test_a_paused_collector_stays_paused():
    gc.disable()
    with imports_frozen():
        pass
    assert not gc.isenabled()
