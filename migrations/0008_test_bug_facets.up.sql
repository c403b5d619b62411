-- Bug counts kept per test and per value of the bug-side keys of three metric-cube dimensions
-- (query_metrics over every product of a 400,000-bug cache grouped every bug row, and
-- SQLite groups by sorting, 220–490 ms a dimension; summing these rows takes a fifth of that).
--
-- facet 1: the bug's feature (its own, else its test feature's), as the cube's feature dimension;
-- facet 2: the OS family of each device the bug was reported on ('' without one), as platform;
-- facet 3: the rejection reason of a rejected bug ('unknown' when not stated), 'not_rejected'
--          for the others, as rejection_reason;
-- facet 4: whether the bug is a known bug (1 or 0), as known_bug;
-- facet 5: the UTC day the bug was reported (YYYY-MM-DD): bug metrics take their time buckets and
--          date bounds from reported_at.
-- k is '' for a missing value (a key column cannot hold NULL); BLOB declares no affinity, so
-- feature ids stay integers and names stay text. c_* count the bug classes of the rates: open
-- (forwarded), accepted, auto_accepted, rejected; n counts every bug, whatever its status.
--
-- BugsRepo.recount rewrites the rows of the tests of every written batch, in the batch's
-- transaction, with the same statements as test_bug_counts (src/db/repos/bug_counts.ts).

CREATE TABLE test_bug_facets (
  test_id INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  facet   INTEGER NOT NULL,
  k       BLOB    NOT NULL,
  n       INTEGER NOT NULL,
  c_open  INTEGER NOT NULL,
  c_acc   INTEGER NOT NULL,
  c_auto  INTEGER NOT NULL,
  c_rej   INTEGER NOT NULL,
  PRIMARY KEY (test_id, facet, k)
) WITHOUT ROWID;

INSERT INTO test_bug_facets
SELECT b.test_id, 1, coalesce(b.feature_id, btf.feature_id, ''), count(*), sum(b.status = 'forwarded'),
  sum(b.status = 'accepted'), sum(b.status = 'auto_accepted'), sum(b.status = 'rejected')
FROM bugs b LEFT JOIN test_features btf ON btf.id = b.test_feature_id
GROUP BY b.test_id, 3;

INSERT INTO test_bug_facets
SELECT b.test_id, 2, coalesce(dv.os_family, ''), count(*), sum(b.status = 'forwarded'),
  sum(b.status = 'accepted'), sum(b.status = 'auto_accepted'), sum(b.status = 'rejected')
FROM bugs b LEFT JOIN device_set_os dv ON dv.device_set_id = b.device_set_id
GROUP BY b.test_id, 3;

INSERT INTO test_bug_facets
SELECT b.test_id, 3,
  CASE WHEN b.status = 'rejected' THEN coalesce(b.rejection_reason, 'unknown') ELSE 'not_rejected' END,
  count(*), sum(b.status = 'forwarded'), sum(b.status = 'accepted'), sum(b.status = 'auto_accepted'),
  sum(b.status = 'rejected')
FROM bugs b
GROUP BY b.test_id, 3;

INSERT INTO test_bug_facets
SELECT b.test_id, 4, coalesce(b.known, ''), count(*), sum(b.status = 'forwarded'), sum(b.status = 'accepted'),
  sum(b.status = 'auto_accepted'), sum(b.status = 'rejected')
FROM bugs b
GROUP BY b.test_id, 3;

INSERT INTO test_bug_facets
SELECT b.test_id, 5, coalesce(substr(b.reported_at, 1, 10), ''), count(*), sum(b.status = 'forwarded'),
  sum(b.status = 'accepted'), sum(b.status = 'auto_accepted'), sum(b.status = 'rejected')
FROM bugs b
GROUP BY b.test_id, 3;

-- Whether any test has bugs test_bug_counts cannot place (n_other): the cube then counts bug
-- classes from the bug rows. The index answers that at once.
CREATE INDEX test_bug_counts_other ON test_bug_counts (test_id) WHERE n_other > 0;

-- The rejected bugs in the order the quality report groups them (by tester or by feature, then
-- reason). A report over most of the cache reads them in that order and keeps those of its tests,
-- instead of sorting every rejected bug in scope (91,000 at scale L: 300 ms under load, 100 with these).
CREATE INDEX bugs_rejected_by_author ON bugs (author, rejection_reason, test_id) WHERE status = 'rejected';
CREATE INDEX bugs_rejected_by_feature ON bugs (feature_id, rejection_reason, test_id) WHERE status = 'rejected';

-- Bugs in tester order: query_metrics by tester over most of the cache reads them in that order and
-- keeps those of its tests (1.3–1.8 s under load at scale L, 0.2–0.3 s with it), since 800 testers
-- report on nearly every test and counts per test and tester would be as many as the bugs.
CREATE INDEX bugs_by_tester ON bugs (author, test_id, status, severity);
