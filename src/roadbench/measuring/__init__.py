"""Measuring a case: rounds, timing, counting, memory, instructions, profiles, statistics, the
SQL it sends, and the per-version matrix."""
