DROP INDEX test_bug_counts_other;
DROP TABLE test_bug_facets;
