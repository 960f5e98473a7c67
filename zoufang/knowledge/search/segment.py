"""Chinese word segmentation for the pocket book: one jieba tokenizer taught the synonyms and
the police terms (data/userdict.txt), the synonym groups, the IDF weights and the stop words."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_PATH = DATA_DIR / "synonyms.txt"
USERDICT_PATH = DATA_DIR / "userdict.txt"
MAX_TOKEN = 40  # the Term table's column; longer "words" are noise (URLs, digit runs)

# Words a question is made of that say nothing about what it is about. The index's word counts
# weigh the rest; these would otherwise still match nearly every entry.
STOP_WORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 嘛 是 在 有 和 与 及 或 要 会 能 可以
    可不可以 能不能 怎么 怎么办 怎样 怎么样 如何 什么 哪里 哪儿 哪 多少
    多久 为什么 我 你 他 她 它 我们 你们 他们 您 这 那 这个 那个 这些
    那些 一个 就 都 也 还 被 把 给 对 从 到 向 不 没 没有 需要 应该
    请问 一下 想 让 去 来 说 得 地 着 过 又 再 才 后 中 里 上 下
    等 之 其 啥 咋 么 嗯 哦""".split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"^\w+$")
jieba.setLogLevel(logging.WARNING)


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in SYNONYMS_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = tuple(dict.fromkeys(normalize(w) for w in line.split(",") if w.strip()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


@functools.cache
def synonym_map() -> dict[str, frozenset[str]]:
    """word -> every word of its groups (a word may sit in more than one group)."""
    out: dict[str, set[str]] = {}
    for group in synonym_groups():
        for word in group:
            out.setdefault(word, set()).update(group)
    return {word: frozenset(words) for word, words in out.items()}


@functools.cache
def tokenizer() -> jieba.Tokenizer:
    """A tokenizer of our own (jieba's global one stays untouched for other apps)."""
    tk = jieba.Tokenizer()
    tk.load_userdict(str(USERDICT_PATH))
    for word in synonym_map():
        tk.add_word(word)
    return tk


@functools.cache
def normalize(text: str) -> str:
    """Full-width letters and digits to half-width, lower case, no surrounding space."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def is_word(token: str) -> bool:
    return bool(_WORD.match(token)) and len(token) <= MAX_TOKEN and token != "_"  # noqa: S105 - not a secret # nosec B105


def index_tokens(text: str) -> list[str]:
    """The words of a text as the index stores them: jieba's search mode (a compound word and
    its two- and three-character parts that are words themselves)."""
    return [t for t in tokenizer().cut_for_search(normalize(text)) if is_word(t)]


def query_tokens(text: str) -> list[str]:
    """The words of a query in jieba's precise mode, in order (typo windows need the order)."""
    return [t for t in tokenizer().cut(normalize(text)) if is_word(t)]


def parts(word: str) -> list[str]:
    """The words inside a compound (居民身份证 -> 居民, 身份, 身份证), at least two characters."""
    return [t for t in tokenizer().cut_for_search(word) if t != word and len(t) > 1 and is_word(t)]
