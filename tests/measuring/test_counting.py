from __future__ import annotations

import pytest

from roadbench.measuring.counting import statement_kind


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", "select"),
        ('  (SELECT "a" FROM t) UNION (SELECT "b" FROM u)', "select"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "select"),
        ('INSERT INTO "t" VALUES (1)', "insert"),
        ('COPY "t" ("a") FROM STDIN', "insert"),
        ('UPDATE "t" SET a = 1', "update"),
        ('DELETE FROM "t"', "delete"),
        ("BEGIN", "transaction"),
        ("COMMIT", "transaction"),
        ("ROLLBACK", "transaction"),
        ('SAVEPOINT "s1_x"', "savepoint"),
        ('RELEASE SAVEPOINT "s1_x"', "savepoint"),
        ('ROLLBACK TO SAVEPOINT "s1_x"', "savepoint"),
        ('DECLARE "_django_curs_1" NO SCROLL CURSOR WITH HOLD FOR SELECT 1', "select"),
        ('FETCH FORWARD 2000 FROM "_django_curs_1"', "select"),
        ('CLOSE "_django_curs_1"', "other"),
        ("PRAGMA foreign_keys", "other"),
    ],
)
def test_statement_kind(sql, kind):
    assert statement_kind(sql) == kind
