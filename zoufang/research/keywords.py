"""Free text grouped by keyword: the public's suggestions and the questionnaires' free-text
answers. jieba segments the Chinese text and ranks each text's keywords by TF-IDF (its
built-in IDF table); a text joins the group of its best keyword among the most frequent.

jieba loads its dictionary once per process (about a second; it caches it in the temp
folder); the import is deferred to the first grouping so that pages without text do not pay.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

# Words every suggestion to the police uses, which would otherwise make the biggest groups.
STOPWORDS = frozenset(
    [
        "希望",
        "建议",
        "公安",
        "民警",
        "警察",
        "工作",
        "问题",
        "没有",
        "一些",
        "能够",
        "可以",
        "进一步",
        "加强",
        "我们",
        "他们",
        "群众",
        "居民",
        "同志",
        "提出",
        "反映",
        "表示",
        "认为",
        "情况",
        "方面",
        "现在",
        "目前",
        "时候",
        "已经",
        "比较",
        "非常",
        "有关",
        "相关",
        "开展",
        "进行",
        "需要",
        "还是",
        "就是",
        "这个",
        "那个",
        "什么",
        "怎么",
        "多多",
        "经常",
        "及时",
        "一下",
        "感觉",
        "觉得",
    ]
)
KEYWORDS_PER_TEXT = 5
_lock = threading.Lock()


@dataclass
class Group:
    keyword: str  # "" for the texts that share no frequent keyword
    texts: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.texts)


def _extract(text: str) -> list[str]:
    import jieba.analyse

    with _lock:  # jieba's lazy initialisation is not thread-safe
        tags = jieba.analyse.extract_tags(text, topK=KEYWORDS_PER_TEXT + 5)
    words = [t for t in tags if len(t) > 1 and t not in STOPWORDS and not t.isdigit()]
    return words[:KEYWORDS_PER_TEXT]


def keyword_groups(texts: list[str], *, groups: int = 8, min_size: int = 2) -> list[Group]:
    """At most `groups` groups of at least `min_size` texts, largest first, then the rest
    under keyword "" (shown as "other"). Each text is in exactly one group."""
    keyed = [(t, _extract(t)) for t in texts if t and t.strip()]
    frequency = Counter(w for _t, words in keyed for w in set(words))
    chosen: list[str] = []
    for word, n in frequency.most_common():
        if n < min_size or len(chosen) >= groups:
            break
        chosen.append(word)
    by_word: dict[str, Group] = {w: Group(w) for w in chosen}
    rest = Group("")
    for text, words in keyed:
        # The text's own best-ranked keyword among the chosen ones.
        home = next((w for w in words if w in by_word), None)
        (by_word[home] if home else rest).texts.append(text)
    out = sorted((g for g in by_word.values() if g.texts), key=lambda g: (-g.count, g.keyword))
    if rest.texts:
        out.append(rest)
    return out
