-- Products and features back to id * 4 + kind (migration 0006).

DELETE FROM search_index WHERE rowid IN (SELECT 4503599627370496 + id * 4 FROM products);
DELETE FROM search_index WHERE rowid IN (SELECT 4503599627370496 + id * 4 + 1 FROM features);
INSERT INTO search_index (rowid, title, content)
SELECT id * 4, name, coalesce(description, '') FROM products;
INSERT INTO search_index (rowid, title, content)
SELECT id * 4 + 1, title, concat_ws(' ', description, howtofind,
  (SELECT group_concat(value, ' ') FROM json_each(raw, '$.user_stories')))
FROM features;

DROP TRIGGER products_ai;
DROP TRIGGER products_au;
DROP TRIGGER products_ad;
DROP TRIGGER features_ai;
DROP TRIGGER features_au;
DROP TRIGGER features_ad;

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
