"""The text MinHash now hashes shingles differently (NumPy shingle ids, decision 0033): the
text bands written before would never meet the new ones. Drop them and rewind the text rule,
so the next run indexes every text again with the new hash (flags are unique per rule and
key: the ones already raised are not raised twice)."""

from django.db import migrations


def rehash(apps, schema_editor):
    apps.get_model("patrol", "SimilarityBand").objects.filter(kind=1).delete()
    apps.get_model("patrol", "TextSignature").objects.all().delete()
    apps.get_model("patrol", "Rule").objects.filter(kind="text_copy").update(watermark=0)


class Migration(migrations.Migration):
    dependencies = [("patrol", "0001_initial")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
