"""The audit trail becomes append-only and hash-chained (issue 17; decision 0036): the head
row, a seal for every entry already written (in the order they were written), and the
triggers that refuse UPDATE and early DELETE (zoufang.core.append_only)."""

from django.db import migrations


def seal_existing(apps, schema_editor):
    from zoufang.core.audit import digest_of

    LogEntry = apps.get_model("auditlog", "LogEntry")
    AuditSeal = apps.get_model("core", "AuditSeal")
    AuditHead = apps.get_model("core", "AuditHead")
    head, _ = AuditHead.objects.get_or_create(pk=1)
    sealed = set(AuditSeal.objects.values_list("entry_id", flat=True))
    batch = []
    for entry in LogEntry.objects.order_by("pk").iterator(chunk_size=2000):
        if entry.pk in sealed:
            continue
        digest = digest_of(head.digest, entry)
        head.seq += 1
        batch.append(
            AuditSeal(seq=head.seq, entry_id=entry.pk, at=entry.timestamp, prev=head.digest, digest=digest)
        )
        head.digest = digest
        if len(batch) >= 2000:
            AuditSeal.objects.bulk_create(batch)
            batch = []
    AuditSeal.objects.bulk_create(batch)
    head.save()


def add_triggers(apps, schema_editor):
    from zoufang.core import append_only

    append_only.create(schema_editor)


def drop_triggers(apps, schema_editor):
    from zoufang.core import append_only

    append_only.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_chain"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
