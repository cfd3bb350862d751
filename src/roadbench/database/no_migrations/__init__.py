"""roadbench's app as a migrated app with no migrations (``MIGRATION_MODULES`` inside a
project): the project's ``migrate`` makes none of roadbench's tables, which roadbench creates
and drops itself (``database.option_tables``)."""
