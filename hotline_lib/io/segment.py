"""Citizens' words (诉求内容) as terms and places, segmented once per export file and kept in the cache.

A month's 热点诉求 (analysis/topics.py) is then aggregation over these tokens. The segmenter is a
``jieba.Tokenizer`` of its own (its dictionary cache with the installation, or under the working
folder's .cache/, never the system temp folder; quiet) with a user dictionary from the unit
directory, data/places.txt, data/synonyms.txt and the shipped 12345 vocabulary, so that 万家丽小区 or
预付卡 stay whole.

Text is masked before it is segmented (a phone or ID number never becomes a term) and digit runs are
never terms. Each order keeps ``terms`` (the words that count, each once, in reading order) and
``places`` (the places it names: the place list, and words ending in 路/街/小区/市场/学校…), both as
space-joined text: compact in Parquet and quick to split.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.privacy import mask_names, mask_personal
from hotline_lib.io.reading import file_digest

#: Bump when the tokens change (the rules below, the shipped word lists are in the key already).
TOKENS_VERSION = "2"
TOPICS_DATA = Path(__file__).resolve().parent.parent / "schema" / "topics"
VOCABULARY_FILE = TOPICS_DATA / "vocabulary.txt"
STOPWORDS_FILE = TOPICS_DATA / "stopwords.txt"
#: What ends a place's name: a word ending so is a place (with the word before it when it is short: 解放 + 东路).
PLACE_SUFFIXES = ("大道", "小区", "花园", "市场", "学校", "中学", "小学", "幼儿园", "医院", "公园", "广场", "社区",
                  "大厦", "家园", "商城", "新村", "公寓", "大院", "菜场", "路", "街", "巷", "苑", "村")
#: A user word's frequency: high enough that jieba keeps it whole rather than split.
USER_WORD_FREQ = 20000
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"[0-9０-９]")
#: Text the sample marks itself with, and masking's stars: never part of a word.
_NOISE = re.compile(r"[*＊]+")
TOKEN_COLUMNS = ["_file", "_sheet", "_row", "terms", "places"]


def read_word_list(path: Path) -> list[str]:
    """The words of a list file, one a line; ``#`` starts a comment; a missing file is an empty list."""
    path = Path(path)
    if not path.is_file():
        return []
    words = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return list(dict.fromkeys(words))


def read_synonyms(path: Path) -> dict[str, str]:
    """variant -> canonical from lines ``电瓶车 = 电动车``; a missing file is none; a line without one
    ``=`` is an error naming the file and the line."""
    path = Path(path)
    if not path.is_file():
        return {}
    synonyms = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = [p.strip() for p in text.split("=")]
        if len(parts) != 2 or not all(parts):
            raise InputError("expected a line like 电瓶车 = 电动车 (a variant, =, the word it counts as)", path=path,
                             row=number)
        synonyms[parts[0]] = parts[1]
    return synonyms


@dataclass(frozen=True)
class Lexicon:
    """The words a working folder segments with: what stays whole, what is a place, what counts as what."""

    places: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    stopwords: frozenset[str] = frozenset()
    synonyms: tuple[tuple[str, str], ...] = ()
    sources: dict = field(default_factory=dict, compare=False, hash=False)   # where each list came from

    @property
    def synonym_map(self) -> dict[str, str]:
        return dict(self.synonyms)

    def user_words(self) -> list[str]:
        """Every word the tokenizer keeps whole: places, units, vocabulary and both sides of each synonym."""
        words = [*self.places, *self.units, *self.vocabulary, *(w for pair in self.synonyms for w in pair)]
        return list(dict.fromkeys(w for w in words if len(w) > 1))

    def fingerprint(self) -> str:
        """What the tokens depend on: every list, the rules' version and the segmenter's."""
        import jieba

        text = "\n".join([TOKENS_VERSION, jieba.__version__, "|".join(self.places), "|".join(self.units),
                          "|".join(self.vocabulary), "|".join(sorted(self.stopwords)),
                          "|".join(f"{a}={b}" for a, b in self.synonyms)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_lexicon(workspace) -> Lexicon:
    """The lexicon of a working folder (io/workspace.py): its places, synonyms and unit directory, with
    the shipped vocabulary and stop words."""
    units = [name for unit in workspace.units.units for name in [unit.name, unit.display, *unit.aliases]]
    return Lexicon(places=tuple(read_word_list(workspace.places_file)), units=tuple(dict.fromkeys(units)),
                   vocabulary=tuple(read_word_list(VOCABULARY_FILE)),
                   stopwords=frozenset(read_word_list(STOPWORDS_FILE)),
                   synonyms=tuple(read_synonyms(workspace.synonyms_file).items()),
                   sources={"places": str(workspace.places_file), "synonyms": str(workspace.synonyms_file),
                            "vocabulary": str(VOCABULARY_FILE), "stopwords": str(STOPWORDS_FILE)})


def quiet_jieba() -> None:
    """jieba logs "Building prefix dict…" on stderr at DEBUG: users see none of it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)


#: Where jieba's prefix dictionary and word tags are kept for every working folder: with the
#: installation (they depend on jieba's own dictionary only), made by ``make install`` or the first run.
INSTALLED_DICTIONARY = Path(sys.prefix) / "share" / "hotline-bulletin"


def _installed_folder() -> Path | None:
    """INSTALLED_DICTIONARY when it can hold the dictionary caches (made if missing), or holds this
    jieba's already; None otherwise (a system-wide install): each data cache then keeps its own."""
    import jieba

    folder = INSTALLED_DICTIONARY
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    usable = os.access(folder, os.W_OK) or (folder / f"jieba-{jieba.__version__}.cache").is_file()
    return folder if usable else None


def dictionary_cache(cache_dir: Path) -> Path:
    """The file of jieba's prefix dictionary (≈ 1.5 s to build from jieba's dict.txt, 0.25 s to load):
    named by jieba's version (jieba trusts its cache of its own dictionary whatever its age), with the
    installation, else in ``cache_dir``/jieba."""
    import jieba

    folder = _installed_folder() or Path(cache_dir) / "jieba"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"jieba-{jieba.__version__}.cache"


def _initialize(tokenizer, cache_file: Path) -> None:
    """What ``Tokenizer.initialize`` does, its cache read whole first (``marshal.load`` on jieba's
    open file takes 0.6 s, ``marshal.loads`` of its bytes 0.25 s) and written atomically."""
    kept = _read_marshal(cache_file)
    if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], dict) and isinstance(kept[1], int):
        tokenizer.FREQ, tokenizer.total = kept
    else:   # none yet, or damaged: built from jieba's dict.txt
        tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
        _write_marshal(cache_file, (tokenizer.FREQ, tokenizer.total))
    tokenizer.initialized = True


def _read_marshal(path: Path):
    """What ``_write_marshal`` kept in ``path``; None when there is none or it cannot be read."""
    try:
        return marshal.loads(path.read_bytes())
    except Exception:   # missing, unreadable or damaged (marshal raises several kinds): made again
        return None


def _write_marshal(path: Path, value) -> None:
    """``value`` into ``path`` atomically (parallel processes may write it at once); a folder that
    cannot be written keeps nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(marshal.dumps(value))
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def make_tokenizer(lexicon: Lexicon, cache_dir: Path):
    """A ``jieba.Tokenizer`` of its own, its prefix dictionary cached (``dictionary_cache``; never in
    the system's temporary folder, as jieba would), the lexicon's words added whole."""
    import jieba

    quiet_jieba()
    tokenizer = jieba.Tokenizer()
    _initialize(tokenizer, dictionary_cache(Path(cache_dir)))
    for word in lexicon.user_words():
        tokenizer.add_word(word, USER_WORD_FREQ)
    return tokenizer


#: Blocks of text whose words a tokenizer keeps (``cut_words``); past this many it starts again.
_BLOCKS_KEPT = 200_000


def cut_words(tokenizer, text: str):
    """The words of ``text`` exactly as ``tokenizer.cut(text, HMM=False)`` yields them, each block of
    it cut once per tokenizer: jieba splits a text at punctuation and spaces into blocks (its own
    ``re_han_default``) and cuts each alone, and citizens' words repeat whole clauses from order to
    order (市民来电反映, 要求相关部门尽快处理, an estate's name), so a block seen before is looked up,
    not cut again. How much that saves depends on how much the text repeats: the sample's year has
    268,660 blocks of which 14,066 differ."""
    import jieba

    memo = tokenizer.__dict__.setdefault("_hotline_blocks", {})
    if len(memo) > _BLOCKS_KEPT:
        memo.clear()
    for block in jieba.re_han_default.split(text):
        if not block:
            continue
        words = memo.get(block)
        if words is None:
            words = memo[block] = tuple(tokenizer.cut(block, HMM=False))
        yield from words


def _is_term(word: str, stopwords: frozenset[str]) -> bool:
    """A word that may count: two characters or more, Chinese, no digit, not a stop word."""
    return len(word) > 1 and bool(_CJK.search(word)) and not _DIGITS.search(word) and word not in stopwords


_PLACE_LAST = frozenset(s[-1] for s in PLACE_SUFFIXES)


def _place_end(word: str) -> str | None:
    """The cue a word ends with (小区, 路…), or None (most words: one set lookup)."""
    if word[-1] not in _PLACE_LAST:
        return None
    return next((s for s in PLACE_SUFFIXES if word.endswith(s)), None)


#: One-character words that never start a place's name (在万家丽小区 is 万家丽小区), nor end one (孩子过马路
#: is no road: 过 is a verb).
_NOT_IN_NAMES = set("的在了是和与及到从对向于把被给让往就也都还又很说有过")


#: jieba's parts of speech a place's name never is: verbs, time words, pronouns, directions, adverbs,
#: prepositions, conjunctions, particles, adjectives (堵塞道路, 今年小学 and 附近小区 are no places).
_NOT_NAMES = {"v", "vd", "vn", "t", "r", "f", "d", "p", "c", "u", "a", "ad", "an", "uj", "ul", "ud", "ug", "uz", "uv", "y", "z"}


@lru_cache(maxsize=1)
def dictionary_tags() -> dict[str, str]:
    """word -> part of speech, from jieba's own dictionary (loaded once per process; kept beside its
    prefix dictionary when that is with the installation: 0.2-0.3 s to read from dict.txt, 0.15 s so)."""
    import jieba

    folder = _installed_folder()
    kept = folder / f"jieba-{jieba.__version__}.tags" if folder else None
    found = _read_marshal(kept) if kept is not None else None
    if isinstance(found, dict) and found:
        return found
    tags = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    if kept is not None:
        _write_marshal(kept, tags)
    return tags


def prepare_dictionary() -> None:
    """jieba's prefix dictionary and word tags built into the installation's folder now (``make
    install``), so that no first render pays for them."""
    if _installed_folder() is not None:
        make_tokenizer(Lexicon(), INSTALLED_DICTIONARY)
        dictionary_tags()


def _may_name(word: str) -> bool:
    return len(word) > 1 and dictionary_tags().get(word, "n") not in _NOT_NAMES


def _place_prefix(run: list[str]) -> str:
    """What comes before a generic cue word (东路, 小区, 农贸市场) as a place's name: the word before
    when it may be a name (解放 is a verb: 解放东路 belongs in data/places.txt), or the last two words
    when the last is one character (万家 + 丽 + 小区)."""
    if run and _may_name(run[-1]):
        return run[-1]
    if len(run) > 1 and len(run[-1]) == 1 and run[-1] not in _NOT_IN_NAMES and _may_name(run[-2]):
        return run[-2] + run[-1]
    return ""


def tokens_of(text, tokenizer, lexicon: Lexicon, places: frozenset[str] | None = None) -> tuple[str, str]:
    """(terms, places) of one order's text, each space-joined, each word once, in reading order.

    A place is a word of the place list or the unit directory's, or a word ending in a PLACE_SUFFIXES
    cue; a cue word with fewer than two characters before its cue (东路, 小区) takes the word before it
    (解放东路, 万家丽小区). Places are terms too (a place's words tell its problem apart)."""
    if not isinstance(text, str) or not text.strip():
        return "", ""
    places = places if places is not None else frozenset(lexicon.places)
    synonyms = lexicon.synonym_map
    masked = _NOISE.sub(" ", mask_names(mask_personal(text)))
    terms: dict[str, None] = {}
    found: dict[str, None] = {}
    run: list[str] = []   # the words since the last punctuation or stop word, as kept (解放东路 once 东路 joined it)
    for word in cut_words(tokenizer, masked):
        word = synonyms.get(word, word)
        if not _CJK.search(word) or word in lexicon.stopwords:
            run = []
            continue
        cue = _place_end(word)
        generic = cue and (len(word) - len(cue) < 2 or word in dictionary_tags())   # 东路, 小区, 农贸市场
        prefix = _place_prefix(run) if generic and word not in places else ""
        if word in places:
            found[word] = None
        elif prefix:
            for part in (prefix, *run[-2:]):
                found.pop(part, None)    # 韶山北路 + 小区: the estate, not the road
                terms.pop(part, None)
            word = prefix + word
            found[word] = None
        elif cue and not generic:        # a name jieba does not know that ends like a place: 荷园路
            found[word] = None
        if _is_term(word, lexicon.stopwords):
            terms[word] = None
        run.append(word)
    return " ".join(terms), " ".join(found)


def segment_frame(frame: pd.DataFrame, tokenizer, lexicon: Lexicon) -> pd.DataFrame:
    """``terms`` and ``places`` for each row of ``frame`` (its ``content``), beside _file, _sheet and _row."""
    places = frozenset(lexicon.places)
    pairs = [tokens_of(text, tokenizer, lexicon, places) for text in frame["content"].tolist()]
    out = frame[["_file", "_sheet", "_row"]].reset_index(drop=True).copy()
    out["terms"] = pd.array([p[0] for p in pairs], dtype="string")
    out["places"] = pd.array([p[1] for p in pairs], dtype="string")
    return out


# ---- the token cache: one Parquet per export file and lexicon ----------------------------------

def token_file(cache_dir: Path, source: Path, lexicon: Lexicon) -> Path:
    """Where one export file's tokens are kept: its content and the lexicon name it."""
    return Path(cache_dir) / "tokens" / f"{file_digest(source)}-{lexicon.fingerprint()}.parquet"


def _store(tokens: pd.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")   # parallel renders may race
    tokens.to_parquet(tmp, index=False)
    tmp.replace(target)


def _load(target: Path) -> pd.DataFrame | None:
    try:
        return pd.read_parquet(target) if target.exists() else None
    except (OSError, ValueError):
        return None   # a damaged entry is segmented again


@lru_cache(maxsize=4)
def _tokenizer_for(lexicon: Lexicon, cache_dir: str):
    """One tokenizer per lexicon and process (building one costs half a second)."""
    return make_tokenizer(lexicon, Path(cache_dir))


def prepare_tokenizer(lexicon: Lexicon, cache_dir: Path) -> None:
    """This process's tokenizer built now when jieba's dictionary cache is not there yet (its first
    build, about a second): a process that will segment builds it while the exports are still read."""
    if not dictionary_cache(Path(cache_dir)).is_file():
        _tokenizer_for(lexicon, str(cache_dir))
        dictionary_tags()


def _covers(cached: pd.DataFrame | None, rows: pd.DataFrame) -> bool:
    """Whether a file's cached tokens hold every one of ``rows``."""
    return cached is not None and len(rows.merge(cached, on=["_file", "_sheet", "_row"])) == len(rows)


def _segment_file(frame: pd.DataFrame, lexicon: Lexicon, cache_dir: str, target: str) -> None:
    """Segment one file's orders and keep them (a worker of ``order_tokens``), holding the entry's
    lock: a process that wants the same file meanwhile (a render's kernel, while the render segments
    beside it) waits, then finds it kept, instead of segmenting it too."""
    from filelock import FileLock

    with FileLock(f"{target}.lock"):
        if not _covers(_load(Path(target)), frame[["_file", "_sheet", "_row"]]):
            _store(segment_frame(frame, _tokenizer_for(lexicon, cache_dir), lexicon), Path(target))


def order_tokens(orders: pd.DataFrame, data_dir: Path, cache_dir: Path, lexicon: Lexicon,
                 jobs: int | None = None, whole: pd.DataFrame | None = None) -> pd.DataFrame:
    """``orders`` with ``terms`` and ``places``: each export file's tokens from the cache, the files not
    there yet segmented first, one process per file up to ``jobs`` (default: one per core), largest first.
    Without a ``content`` column (an export without 诉求内容) every order has no terms.

    ``whole``: every order of the data folder (``orders`` is then a month's few): a file not in the
    cache is segmented and kept with all its orders, so that the next month, which needs other rows of
    the same file (a quarter's workbook), finds them there instead of segmenting the file again and
    replacing the entry, month after month (and two batch workers in turn)."""
    if "content" not in orders.columns or orders.empty:
        return orders.assign(terms=pd.array([""] * len(orders), dtype="string"),
                             places=pd.array([""] * len(orders), dtype="string"))
    parts, missing = [], []
    for name, rows in orders.groupby("_file", sort=True):
        source = Path(data_dir) / name
        target = token_file(cache_dir, source, lexicon) if source.is_file() else None
        cached = _load(target) if target is not None else None
        if _covers(cached, rows):
            parts.append(cached)
        else:
            missing.append((_file_rows(whole, name, rows) if target is not None else rows, target))
    parts += _segment_missing(missing, lexicon, cache_dir, jobs)
    tokens = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TOKEN_COLUMNS)
    tokens = tokens.drop_duplicates(["_file", "_sheet", "_row"])
    merged = orders.merge(tokens, on=["_file", "_sheet", "_row"], how="left")
    return merged.assign(terms=merged["terms"].fillna(""), places=merged["places"].fillna(""))


def _file_rows(whole: pd.DataFrame | None, name: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Every order of export file ``name`` in ``whole`` (``rows``, the ones asked for, when there is
    no ``whole`` or it lacks them)."""
    if whole is None or "content" not in whole.columns:
        return rows
    found = whole[whole["_file"] == name]
    return found if len(found) >= len(rows) else rows


def _segment_missing(missing: list, lexicon: Lexicon, cache_dir: Path, jobs: int | None) -> list[pd.DataFrame]:
    """The tokens of the files not in the cache (kept there when the file is a file of the data folder)."""
    if not missing:
        return []
    missing.sort(key=lambda item: -len(item[0]))
    jobs = min(jobs or os.cpu_count() or 1, len(missing))
    columns = ["_file", "_sheet", "_row", "content"]
    stored = [(rows[columns], t) for rows, t in missing if t is not None]
    if jobs > 1 and len(stored) > 1:
        from concurrent.futures import ProcessPoolExecutor

        # the tokenizer and the word tags made here first: forked workers inherit them instead of
        # each building its own (0.6 s each)
        _tokenizer_for(lexicon, str(cache_dir))
        dictionary_tags()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_segment_file, [r for r, _ in stored], [lexicon] * len(stored),
                          [str(cache_dir)] * len(stored), [str(t) for _, t in stored]))
    else:
        for rows, target in stored:
            _segment_file(rows, lexicon, str(cache_dir), str(target))
    parts = [_load(t) for _, t in stored]
    tokenizer = None
    for rows, target in missing:
        if target is None:   # not a file of the data folder: segmented, not kept
            tokenizer = tokenizer or _tokenizer_for(lexicon, str(cache_dir))
            parts.append(segment_frame(rows[columns], tokenizer, lexicon))
    return [p for p in parts if p is not None]
