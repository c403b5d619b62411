-- Drops what 0002_freshness_indexes.up.sql created.
DROP INDEX IF EXISTS tests_final_bugs_due;
DROP INDEX IF EXISTS tests_mutable;
