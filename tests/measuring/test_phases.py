"""The phase clock: exclusive time per phase, and the resident peak of each (Linux)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadbench.measuring.phases import PhaseClock


def test_nested_phases_are_exclusive():
    clock = PhaseClock()
    clock.start()
    with clock.phase("count"), clock.phase("prepare"):
        pass
    clock.stop()
    assert set(clock.totals) == {"count", "prepare"}
    assert all(seconds >= 0 for seconds in clock.totals.values())


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_each_phase_gets_its_own_resident_peak():
    clock = PhaseClock()
    clock.start(track_rss=True)
    with clock.phase("timed"):
        block = bytearray(64 * 2**20)
        block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
        del block
    with clock.phase("prepare"):
        pass
    clock.stop()
    assert clock.rss_peaks["timed"] - clock.rss_peaks["prepare"] >= 48 * 2**20
