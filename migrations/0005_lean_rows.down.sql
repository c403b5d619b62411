-- Restores the columns and indexes of 0004. The payload copies are not recoverable: raw columns come
-- back as '{}' and a bug's synced_at as its test's bugs_synced_at; a forced sync fills them again.
-- api_status is derived from status.

CREATE INDEX bugs_test ON bugs (test_id, reported_at DESC);
CREATE INDEX bugs_product_status ON bugs (product_id, status);
CREATE INDEX bugs_product_severity ON bugs (product_id, severity);
CREATE INDEX bugs_reported ON bugs (reported_at);

ALTER TABLE bugs ADD COLUMN devices TEXT NOT NULL DEFAULT '[]';
UPDATE bugs SET devices = (SELECT d.devices FROM device_sets d WHERE d.id = bugs.device_set_id)
WHERE device_set_id IS NOT NULL;
ALTER TABLE bugs DROP COLUMN device_set_id;
DROP TRIGGER device_sets_os_ai;
DROP TABLE device_set_os;
DROP TABLE device_sets;

ALTER TABLE bugs ADD COLUMN api_status TEXT NOT NULL DEFAULT '';
UPDATE bugs SET api_status = CASE status WHEN 'auto_accepted' THEN 'accepted' ELSE status END;
ALTER TABLE bugs ADD COLUMN synced_at TEXT NOT NULL DEFAULT '';
UPDATE bugs SET synced_at = coalesce((SELECT t.bugs_synced_at FROM tests t WHERE t.id = bugs.test_id), '');
ALTER TABLE bugs ADD COLUMN raw TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tests ADD COLUMN raw TEXT NOT NULL DEFAULT '{}';
