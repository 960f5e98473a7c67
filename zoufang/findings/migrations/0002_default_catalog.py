from django.db import migrations


def load(apps, schema_editor):
    from zoufang.findings.catalog import load_catalog

    load_catalog(
        apps.get_model("findings", "FindingKind"),
        apps.get_model("findings", "GradeRule"),
        apps.get_model("org", "Department"),
    )


class Migration(migrations.Migration):
    """The default kinds catalog and grade rules (safe to re-run: only missing rows)."""

    dependencies = [("findings", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
