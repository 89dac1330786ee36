"""File names made from names in the data (a unit's 扣分明细 workbook): safe on Linux, macOS and
Windows, short enough for every file system, and one file per name.

A name from the data may hold characters Windows forbids (``<>:"/\\|?*``), control characters, a
trailing dot or space (Windows drops them), be a reserved device name (``CON``, ``com1.txt``: Windows
opens the device instead of a file) or be longer than the 255 bytes a file name may have. Two names
can also end up as the same file: ``a/b`` and ``a_b`` once ``/`` is replaced, ``ABC`` and ``abc`` on a
file system that ignores case (Windows, macOS), two spellings of the same character once normalised
(NFC). ``safe_file_names`` makes all of them one distinct, safe name each, personal numbers masked
(a file name is read like any text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from hotline_lib.core.privacy import mask_personal

#: Characters no Windows file name may hold (``/`` and NUL: no file name anywhere).
FORBIDDEN = set('<>:"/\\|?*')
#: Windows' device names: reserved whatever the extension and the case (``con.xlsx``, ``Com1``).
RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE)
#: The longest file name most file systems take (ext4, APFS, NTFS counts UTF-16 units: fewer), in bytes of UTF-8.
MAX_BYTES = 255
REPLACEMENT = "_"


def _clean(name: str, fallback: str) -> str:
    """``name`` in NFC, personal numbers masked, every forbidden, control or invisible format
    character replaced, and no leading or trailing spaces or dots (a leading dot hides a file;
    Windows drops a trailing one)."""
    text = mask_personal(unicodedata.normalize("NFC", str(name)))
    text = "".join(REPLACEMENT if c in FORBIDDEN or unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c
                   for c in text)
    text = text.strip(" .")
    return text or fallback


def _not_reserved(stem: str) -> str:
    """A device name gets ``_`` after its first part: ``CON`` → ``CON_``, ``aux.1`` → ``aux_.1``."""
    first, dot, rest = stem.partition(".")
    return f"{first}{REPLACEMENT}{dot}{rest}" if RESERVED.match(first.rstrip(" ")) else stem


def _fit(stem: str, tail: str, max_bytes: int) -> str:
    """``stem`` cut (whole characters) so that stem + tail is at most ``max_bytes`` bytes of UTF-8,
    with no trailing space or dot left by the cut."""
    room = max_bytes - len(tail.encode("utf-8"))
    encoded = stem.encode("utf-8")
    if len(encoded) > room:
        stem = encoded[:max(room, 0)].decode("utf-8", errors="ignore").rstrip(" .")
    return stem + tail


def _key(file_name: str) -> str:
    """Two file names that are one file where case is ignored (Windows, macOS)."""
    return unicodedata.normalize("NFC", file_name).casefold()


def safe_file_names(names: Iterable[str], suffix: str = "", fallback: str = "未命名",
                    max_bytes: int = MAX_BYTES) -> dict[str, str]:
    """name -> a file name (``suffix`` included, e.g. ``.xlsx``) safe on Linux, macOS and Windows, at
    most ``max_bytes`` bytes, and distinct from every other name's even where case is ignored.

    A name that needs no change keeps it; a name that would meet another's file gets `` (2)``,
    `` (3)``… before the suffix, in the order given (changed names after the unchanged ones, so
    that the unit named ``a_b`` keeps ``a_b.xlsx`` whatever order ``a/b`` comes in)."""
    names = list(dict.fromkeys(names))
    candidates = {name: _fit(_not_reserved(_clean(name, fallback)), suffix, max_bytes) for name in names}
    order = sorted(names, key=lambda name: candidates[name] != f"{name}{suffix}")   # stable: unchanged first
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for name in order:
        file_name, number = candidates[name], 1
        while _key(file_name) in taken:
            number += 1
            file_name = _fit(_not_reserved(_clean(name, fallback)), f" ({number}){suffix}", max_bytes)
        taken.add(_key(file_name))
        chosen[name] = file_name
    return {name: chosen[name] for name in names}
