-- One full-text index instead of two. search_index (0001) held porter stems plus a full copy of the
-- text and four entity columns; search_words (0003) held the words as written, with prefix indexes,
-- for prefix terms (FTS5 stems prefix query terms too, so "pay*" on the stemmed index read "pai*").
-- Measured on 720 tests / 8,000 bugs: 7.6 MB for both; 1.4 MB for this one.
--
-- The new search_index is contentless (no copy of the text: snippets are built from the source rows)
-- and keeps words as written, without prefix indexes (prefix='2 3' would add 2.2 MB). Full words
-- still match their English variants: SearchRepo looks up the indexed words that share the query
-- word's porter stem in search_vocab and ORs them ("crashes" → "crash" OR "crashed" OR "crashes").
-- rowid = entity id * 4 + kind (0 product, 1 feature, 2 test, 3 bug), as before: the entity type,
-- id, product and date come from the source tables by that key.

DROP TRIGGER search_words_products_ai;
DROP TRIGGER search_words_products_au;
DROP TRIGGER search_words_products_ad;
DROP TRIGGER search_words_features_ai;
DROP TRIGGER search_words_features_au;
DROP TRIGGER search_words_features_ad;
DROP TRIGGER search_words_tests_ai;
DROP TRIGGER search_words_tests_au;
DROP TRIGGER search_words_tests_ad;
DROP TRIGGER search_words_bugs_au;
DROP TRIGGER search_words_bugs_ad;
DROP TABLE search_words;

DROP TRIGGER products_ai;
DROP TRIGGER products_au;
DROP TRIGGER products_ad;
DROP TRIGGER features_ai;
DROP TRIGGER features_au;
DROP TRIGGER features_ad;
DROP TRIGGER tests_ai;
DROP TRIGGER tests_au;
DROP TRIGGER tests_ad;
DROP TRIGGER bugs_au;
DROP TRIGGER bugs_ad;
DROP TABLE search_index;

CREATE VIRTUAL TABLE search_index USING fts5 (
  title,
  content,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- The indexed words (one row per distinct term), for the stem expansion of query words.
CREATE VIRTUAL TABLE search_vocab USING fts5vocab (search_index, 'row');

INSERT INTO search_index (rowid, title, content)
SELECT id * 4, name, coalesce(description, '') FROM products;
INSERT INTO search_index (rowid, title, content)
SELECT id * 4 + 1, title, concat_ws(' ', description, howtofind,
  (SELECT group_concat(value, ' ') FROM json_each(raw, '$.user_stories')))
FROM features;
INSERT INTO search_index (rowid, title, content)
SELECT id * 4 + 2, title, concat_ws(' ', goal, instructions, out_of_scope) FROM tests;
INSERT INTO search_index (rowid, title, content)
SELECT id * 4 + 3, title, concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(steps)),
  actual_result, expected_result)
FROM bugs;

-- The text of each entity is the same as in 0001; SearchRepo builds snippets from the same
-- expressions. The update triggers fire only when indexed text really changed: a sync re-writes
-- unchanged rows, and re-indexing them doubled the cost of a bug batch.
CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
  INSERT INTO search_index (rowid, title, content) VALUES (new.id * 4, new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER products_au AFTER UPDATE OF name, description ON products
WHEN old.name IS NOT new.name OR old.description IS NOT new.description BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4;
  INSERT INTO search_index (rowid, title, content) VALUES (new.id * 4, new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4;
END;

CREATE TRIGGER features_ai AFTER INSERT ON features BEGIN
  INSERT INTO search_index (rowid, title, content)
  VALUES (new.id * 4 + 1, new.title, concat_ws(' ', new.description, new.howtofind,
    (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER features_au AFTER UPDATE OF title, description, howtofind, raw ON features
WHEN old.title IS NOT new.title OR old.description IS NOT new.description OR old.howtofind IS NOT new.howtofind
  OR old.raw ->> '$.user_stories' IS NOT new.raw ->> '$.user_stories' BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
  INSERT INTO search_index (rowid, title, content)
  VALUES (new.id * 4 + 1, new.title, concat_ws(' ', new.description, new.howtofind,
    (SELECT group_concat(value, ' ') FROM json_each(new.raw, '$.user_stories'))));
END;
CREATE TRIGGER features_ad AFTER DELETE ON features BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER tests_ai AFTER INSERT ON tests BEGIN
  INSERT INTO search_index (rowid, title, content)
  VALUES (new.id * 4 + 2, new.title, concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER tests_au AFTER UPDATE OF title, goal, instructions, out_of_scope ON tests
WHEN old.title IS NOT new.title OR old.goal IS NOT new.goal OR old.instructions IS NOT new.instructions
  OR old.out_of_scope IS NOT new.out_of_scope BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
  INSERT INTO search_index (rowid, title, content)
  VALUES (new.id * 4 + 2, new.title, concat_ws(' ', new.goal, new.instructions, new.out_of_scope));
END;
CREATE TRIGGER tests_ad AFTER DELETE ON tests BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
END;

-- New bugs are indexed by BugsRepo with one INSERT … SELECT per written batch: a per-row insert
-- trigger cost twice as much, and bugs are the bulk of every sync.
CREATE TRIGGER bugs_au AFTER UPDATE OF title, steps, actual_result, expected_result ON bugs
WHEN old.title IS NOT new.title OR old.steps IS NOT new.steps OR old.actual_result IS NOT new.actual_result
  OR old.expected_result IS NOT new.expected_result BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
  INSERT INTO search_index (rowid, title, content)
  VALUES (new.id * 4 + 3, new.title, concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(new.steps)),
    new.actual_result, new.expected_result));
END;
CREATE TRIGGER bugs_ad AFTER DELETE ON bugs BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
END;
