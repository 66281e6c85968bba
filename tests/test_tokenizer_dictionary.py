"""jieba's dictionary, read a group at a time: the same entries as jieba's own, and a start-up
that loads only what a question needs (no scipy, no pkg_resources, no telegram)."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE
from bot.lexicon import DictEntry, Lexicon, load_lexicon
from bot.tokenizer import DictionaryStore, GeneralNames, Tokenizer, jieba

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def jieba_freq() -> tuple[dict[str, int], int]:
    """FREQ and total as a fresh jieba.Tokenizer loads them."""
    t = jieba.Tokenizer()
    t.initialize()
    return t.FREQ, t.total


def test_the_store_holds_jiebas_entries(jieba_freq: tuple[dict[str, int], int]) -> None:
    freq, total = jieba_freq
    store = DictionaryStore.shared()
    assert store.total == total
    assert store.full() == freq
    rebuilt: dict[str, int] = {}
    for word in freq:
        if len(word) == 1:
            rebuilt[word] = store.char(word)
        else:
            rebuilt.update(store.group(word[:2]))
    assert rebuilt == freq
    assert store.char("\U0010ffff") is None and store.group("\U0010ffff\U0010ffff") == {}


def test_a_lazy_tokenizer_sees_the_dictionary_an_eager_one_sees(jieba_freq: tuple[dict[str, int], int]) -> None:
    lexicon = load_lexicon(BUNDLED_KNOWLEDGE)
    eager = jieba.Tokenizer()
    eager.initialize()
    for e in lexicon.entries:
        eager.add_word(e.word, e.freq, e.tag)
    known = {e.word for e in lexicon.entries}
    for w in [*lexicon.synonyms, *sorted(lexicon.stopwords)]:
        # Two-character words jieba barely knows (变好: 3) and unknown words get 50; stopwords
        # what jieba says keeps them whole (老是), at least 50.
        if len(w) > 1 and w not in known and eager.FREQ.get(w, 0) < (50 if len(w) == 2 else 1):
            eager.add_word(w, max(50, eager.suggest_freq(w, False)) if w in lexicon.stopwords else 50)
    lazy = Tokenizer(lexicon)
    lazy.initialize()
    assert lazy._jieba.total == eager.total
    words = {e.word for e in lexicon.entries} | set(lexicon.synonyms) | set(lexicon.stopwords)
    words |= {"讲师", "长者", "零工", "江门市", "不存在的词"}
    for w in words:
        assert lazy.general_freq(w) == int(eager.FREQ.get(w, 0) or 0), w
    lazy.load_all()
    assert lazy._jieba.FREQ == eager.FREQ


def test_domain_words_without_frequency_get_jiebas_suggestion() -> None:
    lexicon = Lexicon(entries=(DictEntry("长者饭堂"), DictEntry("讲师团", 5, "n"), DictEntry("零工市场枢纽")))
    eager = jieba.Tokenizer()
    eager.initialize()
    for e in lexicon.entries:
        eager.add_word(e.word, e.freq, e.tag)
    lazy = Tokenizer(lexicon)
    lazy.initialize()
    lazy.load_all()
    assert lazy._jieba.FREQ == eager.FREQ and lazy._jieba.total == eager.total


def test_general_names_are_the_name_tags_of_jiebas_dictionary() -> None:
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, encoding="utf-8") as fh:
        pairs = set(re.findall(r"^(\S+) \d+ (ns|nr|nrt|nrfg|nt)\r?$", fh.read(), re.M))
    names = GeneralNames()
    by_word: dict[str, set[str]] = {}
    for w, t in pairs:
        by_word.setdefault(w, set()).add(t)
    sample = sorted(by_word)[::97] + ["佛山", "周杰伦", "江门", "深圳", "讲师团", "门票", "", "a b"]
    for w in sample:
        assert (w in names) == (w in by_word), w
        assert names.is_place(w) == ("ns" in by_word.get(w, ())), w


def test_a_damaged_store_file_is_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import bot.tokenizer as tokenizer_module

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))  # (jieba builds its cache there too)
    monkeypatch.setattr(tokenizer_module, "_STORE", None)
    first = DictionaryStore.shared()
    files = list(tmp_path.glob("qabot-jieba*.dict"))
    assert len(files) == 1
    files[0].write_bytes(b"QBJIEBA1 broken")
    monkeypatch.setattr(tokenizer_module, "_STORE", None)
    again = DictionaryStore.shared()
    assert again.total == first.total and again.full() == first.full()


def test_asking_from_the_saved_index_imports_no_scipy_pkg_resources_or_telegram(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(['ask', '讲师团有多少名成员？'])\n"
        "main(['ask', '讲师团有多少名成员？'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'pkg_resources', 'telegram', 'rank_bm25'})\n"
        "print('HEAVY', heavy)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    assert "讲师团" in done.stdout and "88" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "HEAVY []"
    assert list((tmp_path / "cache" / "qabot").glob("*/*.npz"))  # the second ask loaded it


def test_the_index_matrix_still_comes_as_scipy_on_request() -> None:
    from bot.bm25 import SparseBM25

    bm = SparseBM25([["a", "b"], ["b", "c", "c"]])
    m = bm.matrix
    assert m.shape == (2, 3) and m.nnz == 4
    assert sorted(m.tocoo().col.tolist()) == [0, 1, 1, 2]


def test_the_jieba_cache_is_read_whole(jieba_freq: tuple[dict[str, int], int]) -> None:
    """jieba's own cache, unmarshalled from bytes, is what jieba's (slow) file load gives."""
    path = Path(tempfile.gettempdir()) / "jieba.cache"
    if not path.exists():
        pytest.skip("no jieba cache in this temp folder")
    freq, total = marshal.loads(path.read_bytes())
    assert (freq, total) == jieba_freq
