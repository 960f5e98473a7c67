"""The pocket book's search index, one per database (decision 0028): on PostgreSQL generated
tsvector columns over the segmented words (all of them; the title's) with GIN indexes; on SQLite an FTS5
table written by zoufang.knowledge.search.index. Neither is a model field."""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE knowledge_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        array_to_tsvector(array_remove(string_to_array(title_tokens || ' ' || body_tokens, ' '), ''))
    ) STORED
    """,
    """
    ALTER TABLE knowledge_entry ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        array_to_tsvector(array_remove(string_to_array(title_tokens, ' '), ''))
    ) STORED
    """,
    "CREATE INDEX knowledge_entry_search ON knowledge_entry USING gin (search_vector)",
    "CREATE INDEX knowledge_entry_title_search ON knowledge_entry USING gin (title_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_entry_title_search",
    "DROP INDEX IF EXISTS knowledge_entry_search",
    "ALTER TABLE knowledge_entry DROP COLUMN IF EXISTS title_vector",
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
