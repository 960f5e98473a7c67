"""The pocket book's GIN indexes without a pending list (decision 0028, docs/benchmarks.md).

With GIN's default `fastupdate`, new and changed entries wait in a pending list that every
search reads in full until a VACUUM or an autoanalyze merges it (a manual ANALYZE does not): after
a reindex of 10,000 entries each index scan read ~130 pages of it, 1–9 ms per scan instead of
0.02–0.3 ms. The book changes a few entries a day, so writing straight into the index costs
nothing worth the list. PostgreSQL only; SQLite's FTS5 table has no such list."""

from django.db import migrations

INDEXES = ("knowledge_entry_search", "knowledge_entry_title_search")


def _set_fastupdate(value: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = {value})")
            if value == "off":
                # Turning it off keeps what already waits: merge that now.
                schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [migrations.RunPython(_set_fastupdate("off"), _set_fastupdate("on"))]
