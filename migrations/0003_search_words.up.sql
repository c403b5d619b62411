-- Prefix search over words as written. search_index stores porter stems, and FTS5 stems prefix query
-- terms too, so "pay*" was read as "pai*" and missed "payment", "play*" missed "player" and
-- "navigat*" missed "navigation". This contentless index keeps unstemmed tokens (no copy of the text:
-- search_index holds it) and serves the prefix terms of simple-mode searches.
-- rowid = entity id * 4 + kind (0 product, 1 feature, 2 test, 3 bug), the same as search_index.
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
