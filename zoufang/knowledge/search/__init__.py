"""The pocket book's Chinese search (decision 0028): jieba segments entries and queries into
words (`segment`); the database indexes the segmented text (`index`: PostgreSQL full-text
search on a generated tsvector, SQLite FTS5); a query becomes groups of words — each word with
its synonyms and the parts of a compound, and one-character typos corrected against the
index's own vocabulary (`typos`) — scored per group (`query`); `highlight` marks the words
found in the text shown."""
