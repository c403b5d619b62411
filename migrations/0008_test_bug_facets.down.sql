DROP INDEX bugs_by_tester;
DROP INDEX bugs_rejected_by_feature;
DROP INDEX bugs_rejected_by_author;
DROP INDEX test_bug_counts_other;
DROP TABLE test_bug_facets;
