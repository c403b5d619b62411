-- Freshness checks run before every list_tests, list_bugs and quality report. Reading every test of a
-- product to find the stale ones cost about 1 ms per call on a product with 650 tests; these partial
-- indexes hold only the candidates, so the check reads nothing when nothing is stale.

-- Mutable tests: the only ones whose rows (and bugs) go stale by age.
CREATE INDEX tests_mutable ON tests (product_id, synced_at, bugs_synced_at)
  WHERE status NOT IN ('archived', 'cancelled');

-- Final tests whose bugs still need their last fetch after the test became final (usually none).
CREATE INDEX tests_final_bugs_due ON tests (product_id)
  WHERE status IN ('archived', 'cancelled')
    AND (bugs_synced_at IS NULL OR final_at IS NULL OR bugs_synced_at < final_at);
