-- Restores the two indexes of 0001 and 0003 (search_index with porter stems and the text, and
-- search_words with the words as written), their triggers exactly as those migrations created them,
-- and their content from the source tables.

DROP TRIGGER bugs_ad;
DROP TRIGGER bugs_au;
DROP TRIGGER tests_ad;
DROP TRIGGER tests_au;
DROP TRIGGER tests_ai;
DROP TRIGGER features_ad;
DROP TRIGGER features_au;
DROP TRIGGER features_ai;
DROP TRIGGER products_ad;
DROP TRIGGER products_au;
DROP TRIGGER products_ai;
DROP TABLE search_vocab;
DROP TABLE search_index;

-- As in 0001.
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

-- The text of every entity, as the triggers below and BugsRepo write it.
INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
SELECT id * 4, 'product', id, id, NULL, name, coalesce(description, '') FROM products;
INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
SELECT id * 4 + 1, 'feature', id, product_id, NULL, title, concat_ws(' ', description, howtofind,
  (SELECT group_concat(value, ' ') FROM json_each(raw, '$.user_stories')))
FROM features;
INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
SELECT id * 4 + 2, 'test', id, product_id, end_at, title, concat_ws(' ', goal, instructions, out_of_scope)
FROM tests;
INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
SELECT id * 4 + 3, 'bug', id, product_id, reported_at, title,
  concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(steps)), actual_result, expected_result)
FROM bugs;

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

-- As in 0003.
CREATE VIRTUAL TABLE search_words USING fts5 (
  title,
  content,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

INSERT INTO search_words (rowid, title, content) SELECT rowid, title, content FROM search_index;

-- The triggers mirror those of search_index (same text, same columns watched) and compute from the
-- changed row itself, so their order relative to the search_index triggers does not matter.
CREATE TRIGGER search_words_products_ai AFTER INSERT ON products BEGIN
  INSERT INTO search_words (rowid, title, content) VALUES (new.id * 4, new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER search_words_products_au AFTER UPDATE OF name, description ON products
WHEN old.name IS NOT new.name OR old.description IS NOT new.description BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4;
  INSERT INTO search_words (rowid, title, content) VALUES (new.id * 4, new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER search_words_products_ad AFTER DELETE ON products BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4;
END;

CREATE TRIGGER search_words_features_ai AFTER INSERT ON features BEGIN
  INSERT INTO search_words (rowid, title, content)
  VALUES (new.id * 4 + 1, new.title, concat_ws(' ', new.description, new.howtofind,
    (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER search_words_features_au AFTER UPDATE OF title, description, howtofind, raw ON features
WHEN old.title IS NOT new.title OR old.description IS NOT new.description OR old.howtofind IS NOT new.howtofind
  OR old.raw ->> '$.user_stories' IS NOT new.raw ->> '$.user_stories' BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 1;
  INSERT INTO search_words (rowid, title, content)
  VALUES (new.id * 4 + 1, new.title, concat_ws(' ', new.description, new.howtofind,
    (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER search_words_features_ad AFTER DELETE ON features BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER search_words_tests_ai AFTER INSERT ON tests BEGIN
  INSERT INTO search_words (rowid, title, content)
  VALUES (new.id * 4 + 2, new.title, concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER search_words_tests_au AFTER UPDATE OF title, goal, instructions, out_of_scope ON tests
WHEN old.title IS NOT new.title OR old.goal IS NOT new.goal OR old.instructions IS NOT new.instructions
  OR old.out_of_scope IS NOT new.out_of_scope BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 2;
  INSERT INTO search_words (rowid, title, content)
  VALUES (new.id * 4 + 2, new.title, concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER search_words_tests_ad AFTER DELETE ON tests BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 2;
END;

-- New bugs are indexed in bulk by BugsRepo.replaceForTests (see 0001).
CREATE TRIGGER search_words_bugs_au AFTER UPDATE OF title, steps, actual_result, expected_result ON bugs
WHEN old.title IS NOT new.title OR old.steps IS NOT new.steps OR old.actual_result IS NOT new.actual_result
  OR old.expected_result IS NOT new.expected_result BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 3;
  INSERT INTO search_words (rowid, title, content)
  VALUES (new.id * 4 + 3, new.title, concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(new.steps)),
    new.actual_result, new.expected_result));
END;
CREATE TRIGGER search_words_bugs_ad AFTER DELETE ON bugs BEGIN
  DELETE FROM search_words WHERE rowid = old.id * 4 + 3;
END;
