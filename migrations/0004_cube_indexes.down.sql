-- Drops everything 0004_cube_indexes.up.sql created.
DROP INDEX IF EXISTS tests_cube;
DROP INDEX IF EXISTS bugs_cube;
