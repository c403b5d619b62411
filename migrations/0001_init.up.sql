-- The whole cache schema. Timestamps are UTC ISO-8601 text ending in Z; JSON columns hold arrays or
-- objects as text. `raw` columns keep the sanitised API payload (no environment secrets).

CREATE TABLE products (
  id                 INTEGER PRIMARY KEY,
  name               TEXT    NOT NULL,
  type               TEXT,
  description        TEXT,
  has_sections       INTEGER NOT NULL DEFAULT 0 CHECK (has_sections IN (0, 1)),
  default_section_id INTEGER,
  raw                TEXT    NOT NULL,
  synced_at          TEXT    NOT NULL,
  features_synced_at TEXT,
  tests_synced_at    TEXT,
  -- Aggregates kept by the triggers below (bug_count by BugsRepo), so list_products never scans
  -- tests or bugs.
  section_count      INTEGER NOT NULL DEFAULT 0,
  feature_count      INTEGER NOT NULL DEFAULT 0,
  test_count         INTEGER NOT NULL DEFAULT 0,
  bug_count          INTEGER NOT NULL DEFAULT 0,
  last_test_end_at   TEXT
);
CREATE INDEX products_name ON products (name COLLATE NOCASE);
CREATE INDEX products_type ON products (type);

CREATE TABLE sections (
  id         INTEGER PRIMARY KEY,
  product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  name       TEXT    NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
);
CREATE INDEX sections_product ON sections (product_id);

CREATE TABLE features (
  id          INTEGER PRIMARY KEY,
  product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  title       TEXT    NOT NULL,
  description TEXT,
  howtofind   TEXT,
  raw         TEXT    NOT NULL,
  synced_at   TEXT    NOT NULL
);
CREATE INDEX features_product_title ON features (product_id, title COLLATE NOCASE);

CREATE TABLE feature_sections (
  feature_id INTEGER NOT NULL REFERENCES features (id) ON DELETE CASCADE,
  section_id INTEGER NOT NULL,
  PRIMARY KEY (feature_id, section_id)
) WITHOUT ROWID;
CREATE INDEX feature_sections_section ON feature_sections (section_id, feature_id);

-- User stories are the title strings on features (the source of truth); api_id is set only when an
-- exact title match against the user_stories endpoint is unambiguous.
CREATE TABLE user_stories (
  feature_id INTEGER NOT NULL REFERENCES features (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  title      TEXT    NOT NULL,
  api_id     INTEGER,
  PRIMARY KEY (feature_id, position)
) WITHOUT ROWID;
CREATE INDEX user_stories_product ON user_stories (product_id, feature_id);

CREATE TABLE tests (
  id                     INTEGER PRIMARY KEY,
  product_id             INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  section_id             INTEGER,
  section_name           TEXT,
  title                  TEXT    NOT NULL,
  status                 TEXT    NOT NULL,
  review_status          TEXT,
  testing_type           TEXT,
  goal                   TEXT,
  instructions           TEXT,
  out_of_scope           TEXT,
  start_at               TEXT,
  end_at                 TEXT,
  test_environment_id    INTEGER,
  test_environment_title TEXT,
  created_by             TEXT,
  submitted_by           TEXT,
  -- Recounted by BugsRepo.replaceForTests once per batch (a per-bug trigger rewrote this wide row
  -- for every bug and was the largest single cost of a sync); list_tests sorts on it.
  bug_count              INTEGER NOT NULL DEFAULT 0,
  raw                    TEXT    NOT NULL,
  synced_at              TEXT    NOT NULL,
  bugs_synced_at         TEXT,
  -- When the cache first saw the test in a final status (freshness rule for its bugs).
  final_at               TEXT
);
CREATE INDEX tests_product_end ON tests (product_id, end_at DESC, id DESC);
CREATE INDEX tests_product_start ON tests (product_id, start_at DESC, id DESC);
CREATE INDEX tests_product_status ON tests (product_id, status, end_at DESC);
CREATE INDEX tests_product_title ON tests (product_id, title COLLATE NOCASE);
CREATE INDEX tests_product_bugs ON tests (product_id, bug_count DESC, id DESC);
CREATE INDEX tests_product_type ON tests (product_id, testing_type);
CREATE INDEX tests_end ON tests (end_at);
CREATE INDEX tests_status ON tests (status);
CREATE INDEX tests_created_by ON tests (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX tests_submitted_by ON tests (submitted_by) WHERE submitted_by IS NOT NULL;
CREATE INDEX tests_environment ON tests (test_environment_id);

-- Test-feature snapshots: id is the test-feature id; feature_id the global feature id (not a foreign
-- key: a test can name a feature the product list does not return yet, and we never drop data).
CREATE TABLE test_features (
  id           INTEGER PRIMARY KEY,
  test_id      INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  feature_id   INTEGER NOT NULL,
  title        TEXT    NOT NULL,
  user_stories TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX test_features_test ON test_features (test_id);
CREATE INDEX test_features_feature ON test_features (feature_id, test_id);

CREATE TABLE test_platforms (
  test_id      INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  category     TEXT,
  os           TEXT,
  min_version  TEXT,
  max_version  TEXT,
  browsers     TEXT    NOT NULL DEFAULT '[]',
  PRIMARY KEY (test_id, position)
) WITHOUT ROWID;
CREATE INDEX test_platforms_os ON test_platforms (os, test_id);

CREATE TABLE bugs (
  id               INTEGER PRIMARY KEY,
  test_id          INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  product_id       INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  test_feature_id  INTEGER,
  feature_id       INTEGER,
  title            TEXT    NOT NULL,
  severity         TEXT,
  -- Derived: forwarded | accepted | auto_accepted | rejected (api_status keeps the API's word).
  status           TEXT    NOT NULL,
  api_status       TEXT    NOT NULL,
  auto_accepted    INTEGER NOT NULL DEFAULT 0 CHECK (auto_accepted IN (0, 1)),
  known            INTEGER NOT NULL DEFAULT 0 CHECK (known IN (0, 1)),
  rejection_reason TEXT,
  actual_result    TEXT,
  expected_result  TEXT,
  steps            TEXT    NOT NULL DEFAULT '[]',
  location         TEXT,
  author           TEXT,
  reported_at      TEXT,
  comments_count   INTEGER NOT NULL DEFAULT 0,
  devices          TEXT    NOT NULL DEFAULT '[]',
  raw              TEXT    NOT NULL,
  synced_at        TEXT    NOT NULL
);
CREATE INDEX bugs_test ON bugs (test_id, reported_at DESC);
CREATE INDEX bugs_product_reported ON bugs (product_id, reported_at DESC, id DESC);
CREATE INDEX bugs_product_status ON bugs (product_id, status);
CREATE INDEX bugs_product_severity ON bugs (product_id, severity);
CREATE INDEX bugs_feature ON bugs (feature_id);
CREATE INDEX bugs_author ON bugs (author, reported_at);
CREATE INDEX bugs_reported ON bugs (reported_at);
CREATE INDEX bugs_rejection ON bugs (rejection_reason) WHERE rejection_reason IS NOT NULL;

-- Users are derived from payloads: testers from bug authors, customers from tests' created_by and
-- submitted_by. Deduplicated by username.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  username   TEXT    NOT NULL UNIQUE,
  user_type  TEXT    NOT NULL CHECK (user_type IN ('tester', 'customer')),
  first_seen TEXT,
  last_seen  TEXT
);
CREATE INDEX users_type ON users (user_type, username);

CREATE TABLE sync_events (
  id           INTEGER PRIMARY KEY,
  trigger      TEXT    NOT NULL CHECK (trigger IN ('cli', 'mcp', 'startup', 'background', 'test')),
  mode         TEXT    NOT NULL,
  status       TEXT    NOT NULL
    CHECK (status IN ('running', 'completed', 'completed_with_warnings', 'failed', 'cancelled')),
  started_at   TEXT    NOT NULL,
  finished_at  TEXT,
  duration_ms  INTEGER,
  product_ids  TEXT    NOT NULL DEFAULT '[]',
  counters     TEXT    NOT NULL DEFAULT '{}',
  warnings     TEXT    NOT NULL DEFAULT '[]',
  error        TEXT,
  pid          INTEGER
);
CREATE INDEX sync_events_started ON sync_events (started_at DESC);
CREATE INDEX sync_events_status ON sync_events (status, finished_at DESC);

CREATE TABLE sync_metadata (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Test-list offsets that failed with HTTP 500 even at page size 1 (behaviour.md §5).
CREATE TABLE problematic_ranges (
  id              INTEGER PRIMARY KEY,
  product_id      INTEGER NOT NULL,
  offset_from     INTEGER NOT NULL,
  offset_to       INTEGER NOT NULL,
  before_test_id  INTEGER,
  before_end_at   TEXT,
  after_test_id   INTEGER,
  after_end_at    TEXT,
  attempts        INTEGER NOT NULL DEFAULT 1,
  recorded_at     TEXT    NOT NULL,
  mapped_test_ids TEXT    NOT NULL DEFAULT '[]',
  sync_event_id   INTEGER,
  UNIQUE (product_id, offset_from, offset_to)
);

-- Full-text search over products, features, tests and bugs. rowid = entity id * 4 + kind
-- (0 product, 1 feature, 2 test, 3 bug) so triggers update one row by key, never by scan.
CREATE VIRTUAL TABLE search_index USING fts5 (
  entity_type UNINDEXED,
  entity_id UNINDEXED,
  product_id UNINDEXED,
  date UNINDEXED,
  title,
  content,
  -- No prefix indexes here: prefix terms are served by search_words (0003), whose tokens are not
  -- stemmed; a second set would only double the index.
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4, 'product', new.id, new.id, NULL, new.name, coalesce(new.description, ''));
END;
-- The update triggers fire only when indexed text really changed: a sync re-writes unchanged rows,
-- and re-indexing them doubled the cost of a bug batch.
CREATE TRIGGER products_au AFTER UPDATE OF name, description ON products
WHEN old.name IS NOT new.name OR old.description IS NOT new.description BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4;
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4, 'product', new.id, new.id, NULL, new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4;
END;

CREATE TRIGGER features_ai AFTER INSERT ON features BEGIN
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4 + 1, 'feature', new.id, new.product_id, NULL, new.title,
    concat_ws(' ', new.description, new.howtofind,
      (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER features_au AFTER UPDATE OF title, description, howtofind, raw ON features
WHEN old.title IS NOT new.title OR old.description IS NOT new.description OR old.howtofind IS NOT new.howtofind
  OR old.raw ->> '$.user_stories' IS NOT new.raw ->> '$.user_stories' BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4 + 1, 'feature', new.id, new.product_id, NULL, new.title,
    concat_ws(' ', new.description, new.howtofind,
      (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER features_ad AFTER DELETE ON features BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER tests_ai AFTER INSERT ON tests BEGIN
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4 + 2, 'test', new.id, new.product_id, new.end_at, new.title,
    concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER tests_au AFTER UPDATE OF title, goal, instructions, out_of_scope, end_at ON tests
WHEN old.title IS NOT new.title OR old.goal IS NOT new.goal OR old.instructions IS NOT new.instructions
  OR old.out_of_scope IS NOT new.out_of_scope OR old.end_at IS NOT new.end_at BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4 + 2, 'test', new.id, new.product_id, new.end_at, new.title,
    concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER tests_ad AFTER DELETE ON tests BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
END;

-- New bugs are indexed by BugsRepo.replaceForTests with one INSERT … SELECT per written batch: a
-- per-row insert trigger cost twice as much, and bugs are the bulk of every sync. Updates and deletes
-- stay with the triggers below.
CREATE TRIGGER bugs_au AFTER UPDATE OF title, steps, actual_result, expected_result, reported_at ON bugs
WHEN old.title IS NOT new.title OR old.steps IS NOT new.steps OR old.actual_result IS NOT new.actual_result
  OR old.expected_result IS NOT new.expected_result OR old.reported_at IS NOT new.reported_at BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
  INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
  VALUES (new.id * 4 + 3, 'bug', new.id, new.product_id, new.reported_at, new.title,
    concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(new.steps)),
      new.actual_result, new.expected_result));
END;
CREATE TRIGGER bugs_ad AFTER DELETE ON bugs BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
END;

-- Aggregates. Triggers keep them exact whatever code writes the rows.
CREATE TRIGGER sections_count_ai AFTER INSERT ON sections BEGIN
  UPDATE products SET section_count = section_count + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER sections_count_ad AFTER DELETE ON sections BEGIN
  UPDATE products SET section_count = section_count - 1 WHERE id = old.product_id;
END;
CREATE TRIGGER features_count_ai AFTER INSERT ON features BEGIN
  UPDATE products SET feature_count = feature_count + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER features_count_ad AFTER DELETE ON features BEGIN
  UPDATE products SET feature_count = feature_count - 1 WHERE id = old.product_id;
END;
CREATE TRIGGER tests_count_ai AFTER INSERT ON tests BEGIN
  UPDATE products SET test_count = test_count + 1,
    last_test_end_at = CASE WHEN new.end_at > coalesce(last_test_end_at, '') THEN new.end_at
      ELSE last_test_end_at END
  WHERE id = new.product_id;
END;
CREATE TRIGGER tests_count_au AFTER UPDATE OF end_at ON tests WHEN old.end_at IS NOT new.end_at BEGIN
  UPDATE products SET last_test_end_at =
    (SELECT max(end_at) FROM tests WHERE product_id = new.product_id)
  WHERE id = new.product_id;
END;
CREATE TRIGGER tests_count_ad AFTER DELETE ON tests BEGIN
  UPDATE products SET test_count = test_count - 1, bug_count = bug_count - old.bug_count,
    last_test_end_at = (SELECT max(end_at) FROM tests WHERE product_id = old.product_id)
  WHERE id = old.product_id;
END;
