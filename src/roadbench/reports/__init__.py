"""Result objects (one versioned schema, one loader), the comparison table and its verdicts,
the diff model, and writing them to files."""
