-- Leaner bug and test rows (issue 6: the cache measured 44 MB per 1,000 tests against a 10 MB target).
--
-- * `bugs.raw` and `tests.raw` kept the sanitised API payload of every bug and test: 34 % of the file,
--   written on every sync and read by nothing. Every field a tool or report shows has its own column
--   (or table: test_features, test_platforms), so the payload copies go.
-- * `bugs.synced_at` repeated the batch time that `tests.bugs_synced_at` already records, and
--   `bugs.api_status` is `status` with auto_accepted read back as accepted.
-- * A bug's device list repeats across a tester's bugs (52 distinct lists for 8,000 bugs of the
--   synthetic M data): lists are stored once in `device_sets` and bugs point at theirs. Rows there are
--   never deleted, so a bug's device_set_id always resolves.
-- * Four bug indexes duplicated others: bugs_cube starts with test_id (bugs_test), and the product
--   filters on status and severity read the product's bugs through bugs_product_reported.

ALTER TABLE tests DROP COLUMN raw;
ALTER TABLE bugs DROP COLUMN raw;
ALTER TABLE bugs DROP COLUMN synced_at;
ALTER TABLE bugs DROP COLUMN api_status;

CREATE TABLE device_sets (
  id      INTEGER PRIMARY KEY,
  -- JSON array of {category, os, browsers[], name}, exactly as BugsRepo writes it.
  devices TEXT NOT NULL UNIQUE
);
INSERT INTO device_sets (devices) SELECT DISTINCT devices FROM bugs WHERE devices <> '[]' ORDER BY devices;

-- The OS families of each list ('' for a device without an OS), for the platform dimension of the
-- metric cube: joining this per bug replaced parsing every bug's device JSON (3.4 s over 400,000 bugs).
-- The family is the OS name without trailing version characters ("iOS 17" → "iOS"), as in
-- AnalyticsRepo. Lists never change, so an insert trigger keeps it complete.
CREATE TABLE device_set_os (
  device_set_id INTEGER NOT NULL REFERENCES device_sets (id) ON DELETE CASCADE,
  os_family     TEXT    NOT NULL,
  PRIMARY KEY (device_set_id, os_family)
) WITHOUT ROWID;
CREATE TRIGGER device_sets_os_ai AFTER INSERT ON device_sets BEGIN
  INSERT OR IGNORE INTO device_set_os (device_set_id, os_family)
  SELECT new.id, coalesce(nullif(rtrim(value ->> '$.os', ' 0123456789.'), ''), '') FROM json_each(new.devices);
END;
INSERT OR IGNORE INTO device_set_os (device_set_id, os_family)
SELECT d.id, coalesce(nullif(rtrim(j.value ->> '$.os', ' 0123456789.'), ''), '')
FROM device_sets d, json_each(d.devices) j;

-- Null when the bug names no device.
ALTER TABLE bugs ADD COLUMN device_set_id INTEGER;
UPDATE bugs SET device_set_id = (SELECT d.id FROM device_sets d WHERE d.devices = bugs.devices)
WHERE devices <> '[]';
ALTER TABLE bugs DROP COLUMN devices;

DROP INDEX bugs_test;
DROP INDEX bugs_product_status;
DROP INDEX bugs_product_severity;
DROP INDEX bugs_reported;
