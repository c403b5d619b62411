DROP INDEX tests_report;
DROP TABLE test_bug_counts;
