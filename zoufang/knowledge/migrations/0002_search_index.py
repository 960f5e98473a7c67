"""The pocket book's search index, one per database (decision 0028): on PostgreSQL a generated
tsvector column over the segmented words (title weighted A) with a GIN index; on SQLite an FTS5
table written by zoufang.knowledge.search.index. Neither is a model field."""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE knowledge_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(array_to_tsvector(array_remove(string_to_array(title_tokens, ' '), '')), 'A')
        || array_to_tsvector(array_remove(string_to_array(body_tokens, ' '), ''))
    ) STORED
    """,
    "CREATE INDEX knowledge_entry_search ON knowledge_entry USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_entry_search",
    "ALTER TABLE knowledge_entry DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    # unicode61 splits on the spaces between jieba's words and keeps each CJK word whole.
    "CREATE VIRTUAL TABLE knowledge_entry_fts USING fts5("
    "title_tokens, body_tokens, tokenize = 'unicode61')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS knowledge_entry_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_pocketbook")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
