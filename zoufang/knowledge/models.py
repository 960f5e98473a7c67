"""The pocket book (口袋书): chapters by police department, entries that say what to say, what
to do, how and to what standard, and the law each rests on; every save keeps a version row.

The search columns (`title_tokens`, `body_tokens`) hold the entry's text segmented into words
by jieba (zoufang.knowledge.search.segment); the database indexes them (decision 0028): a
generated tsvector column with a GIN index on PostgreSQL, an FTS5 table kept by triggers on
SQLite. Neither index is a model field: both are created by migration 0002."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The parts of an entry a user edits, in the order the page shows them; the form, the
# service, the loader, the versions and the index all read this one list.
ENTRY_PARTS = ("say", "do", "how", "standard", "basis")


class Chapter(models.Model):
    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    summary = models.CharField(_("summary"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("pocket book chapter")
        verbose_name_plural = _("pocket book chapters")

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    chapter = models.ForeignKey(
        Chapter, on_delete=models.PROTECT, related_name="entries", verbose_name=_("chapter")
    )
    # The stable address of an entry (its URL and the offline app's cache key); never changes.
    slug = models.SlugField(_("key"), max_length=60, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=120)
    say = models.TextField(_("What to say"))
    do = models.TextField(_("What to do"))
    how = models.TextField(_("How to do it"))
    standard = models.TextField(_("Standard"))
    basis = models.TextField(_("Legal basis"))
    # Counts saves; a save names the version it was edited from, and is refused when another
    # save came in between (optimistic concurrency).
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    title_tokens = models.TextField(blank=True, editable=False)
    body_tokens = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["chapter__order", "order", "pk"]
        verbose_name = _("pocket book entry")
        verbose_name_plural = _("pocket book entries")

    def __str__(self) -> str:
        return self.title


class EntryVersion(models.Model):
    """One row per save: the entry's text as it was saved, by whom and when."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="versions", verbose_name=_("entry")
    )
    version = models.PositiveIntegerField(_("version"))
    chapter_name = models.CharField(_("chapter"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    say = models.TextField(_("What to say"))
    do = models.TextField(_("What to do"))
    how = models.TextField(_("How to do it"))
    standard = models.TextField(_("Standard"))
    basis = models.TextField(_("Legal basis"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved by"),
    )

    class Meta:
        ordering = ["entry", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="knowledge_version_once")
        ]
        verbose_name = _("pocket book entry version")
        verbose_name_plural = _("pocket book entry versions")

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"


class Term(models.Model):
    """A word of the index and the number of entries it occurs in (the search weighs a rare
    word above a common one), with its one-deletion keys (search.typos): the vocabulary a
    one-character typo in a query is corrected against. Kept by search.index on every save;
    `manage.py pocketbook_load --reindex` recounts it."""

    term = models.CharField(max_length=40, unique=True)
    docs = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.term


class TermKey(models.Model):
    key = models.CharField(max_length=40, db_index=True)
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "term"], name="knowledge_key_once")]

    def __str__(self) -> str:
        return self.key
