-- Covering indexes for the metric cube (query_metrics) and the quality report. Both read a few bug
-- and test columns for thousands of rows; the rows themselves carry the raw payload (kilobytes), so
-- reading them from the tables costs about one page per row. Measured on 20,000 tests / 401,000 bugs:
-- a product's bugs and rejection rate per feature 117 → 24 ms; rates per product over all products
-- 2.4 s → 0.5 s. Building them on that cache took 2.2 s.
CREATE INDEX bugs_cube ON bugs (test_id, status, severity, author, known, feature_id, test_feature_id,
  reported_at, rejection_reason);
CREATE INDEX tests_cube ON tests (status, product_id, end_at, testing_type, test_environment_id, created_by,
  submitted_by);
