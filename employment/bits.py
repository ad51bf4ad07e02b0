"""Sets of small ids packed into PostgreSQL bigints (no Django, no I/O).

The matcher's hard filters and skill counts run inside the database as bitwise arithmetic on these
words: a set of skill ids becomes two signed 64-bit words (ids 0-127), a set of shifts one small mask.
``employment_id_mask(ids, word)`` in the migrations is the SQL twin of :func:`to_words`.
"""

from collections.abc import Iterable

WORD_BITS = 64
WORDS = 2
MAX_ID = WORD_BITS * WORDS - 1

SHIFT_BITS = {"day": 1, "evening": 2, "night": 4, "weekend": 8}


def _signed(value: int) -> int:
    """PostgreSQL's bigint is signed: the top bit makes the word negative."""
    return value - (1 << WORD_BITS) if value >= 1 << (WORD_BITS - 1) else value


def to_words(ids: Iterable[int]) -> tuple[int, ...]:
    """The words (lowest ids first) of a set of ids between 0 and MAX_ID."""
    words = [0] * WORDS
    for item in ids:
        if not 0 <= item <= MAX_ID:
            raise ValueError(f"id {item} is outside 0..{MAX_ID}: it cannot be packed")
        words[item // WORD_BITS] |= 1 << (item % WORD_BITS)
    return tuple(_signed(word) for word in words)


def from_words(*words: int) -> frozenset[int]:
    """The ids set in the words (the inverse of :func:`to_words`)."""
    found = set()
    for index, word in enumerate(words):
        word &= (1 << WORD_BITS) - 1
        while word:
            low = word & -word
            found.add(index * WORD_BITS + low.bit_length() - 1)
            word ^= low
    return frozenset(found)


def shift_mask(shifts: Iterable[str]) -> int:
    """The mask of a set of shift codes (``day``, ``evening``, ``night``, ``weekend``)."""
    mask = 0
    for shift in shifts:
        mask |= SHIFT_BITS[shift]
    return mask


def _shifts(mask: int) -> frozenset[str]:
    return frozenset(code for code, bit in SHIFT_BITS.items() if mask & bit)


_SHIFT_SETS = tuple(_shifts(mask) for mask in range(sum(SHIFT_BITS.values()) + 1))  # every mask, made once


def shifts_of(mask: int) -> frozenset[str]:
    """The shift codes of a mask (bits beyond the known shifts are ignored)."""
    return _SHIFT_SETS[mask & (len(_SHIFT_SETS) - 1)]
