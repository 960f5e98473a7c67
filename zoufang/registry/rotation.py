"""Re-encrypting the personal data to the current field key (issue 17 part 4; decision 0038).

Every encrypted column is a TextField named `*_enc` (the registry's ID numbers and phones;
any app that adds one is found the same way). A value carries its key version ("2$..."); the
rotation re-seals every value whose version is not the current one, in batches of `batch`
rows, each batch in its own transaction with its rows locked — so an interrupted run has
lost nothing, the values it did not reach still open with their old key, and running it
again carries on where it stopped (it selects only what is still stale). Lookup hashes are
not touched: their key does not rotate with the encryption key (see crypto.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce

from django.apps import apps
from django.db import models, transaction

from zoufang.registry.crypto import current_version, decrypt, encrypt, version_of


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.TextField) and f.name.endswith("_enc")
        ]
        if fields:
            out.append((model, fields))
    return sorted(out, key=lambda mf: mf[0]._meta.label)


def _stale(fields: list[str], version: str) -> models.Q:
    return reduce(
        operator.or_,
        (~models.Q(**{f: ""}) & ~models.Q(**{f"{f}__startswith": f"{version}$"}) for f in fields),
    )


def stale_counts() -> dict[str, int]:
    version = current_version()
    return {
        model._meta.label: model._base_manager.filter(_stale(fields, version)).count()
        for model, fields in encrypted_columns()
    }


def rotate(
    *,
    batch: int = 500,
    max_batches: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Re-encrypt every stale value; returns {model label: rows re-encrypted}. Stops after
    `max_batches` batches when given (the rest is left for the next run)."""
    version = current_version()
    done: dict[str, int] = {}
    batches = 0
    for model, fields in encrypted_columns():
        label, last_pk, count = model._meta.label, None, 0
        while max_batches is None or batches < max_batches:
            with transaction.atomic():
                qs = model._base_manager.select_for_update().filter(_stale(fields, version))
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                rows = list(qs.order_by("pk").only("pk", *fields)[:batch])
                if not rows:
                    break
                for row in rows:
                    for f in fields:
                        value = getattr(row, f)
                        if value and version_of(value) != version:
                            setattr(row, f, encrypt(decrypt(value)))
                model._base_manager.bulk_update(rows, fields)
            last_pk, count, batches = rows[-1].pk, count + len(rows), batches + 1
            if progress:
                progress(label, count)
        done[label] = count
    return done
