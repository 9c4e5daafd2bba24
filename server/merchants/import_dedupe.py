"""Finding a credit code that a file repeats, in memory that does not grow with the file.

A Bloom filter answers "maybe seen" or "surely new" for each code. The few rows that are maybe
seen (true repeats, and about one false alarm in a million at 200,000 rows) are held back, and
one more pass over the file finds the line that first brought each of their codes.
"""

from pathlib import Path

from server.merchants.import_file import open_rows
from server.merchants.import_rows import normalise_uscc
from server.merchants.uscc import UsccError

__all__ = ["SeenCodes", "first_lines"]

_BITS = 26  # 2**26 bits: 8 MiB, whatever the file's size
_MASK = (1 << _BITS) - 1


class SeenCodes:
    """A Bloom filter of credit codes (three probes by double hashing)."""

    def __init__(self) -> None:
        self.bits = bytearray(1 << (_BITS - 3))

    def add(self, code: str) -> bool:
        """Add `code`; True if it may have been added before, False if it surely was not."""
        h = hash(code)
        a, b = h & _MASK, (h >> _BITS) & _MASK | 1
        p, q, r = a, (a + b) & _MASK, (a + 2 * b) & _MASK
        bits = self.bits
        seen = bits[p >> 3] >> (p & 7) & bits[q >> 3] >> (q & 7) & bits[r >> 3] >> (r & 7) & 1
        bits[p >> 3] |= 1 << (p & 7)
        bits[q >> 3] |= 1 << (q & 7)
        bits[r >> 3] |= 1 << (r & 7)
        return bool(seen)


def first_lines(path: str | Path, codes: set[str], skip: set[int], upto: int) -> dict[str, int]:
    """For each of `codes`, the first line up to `upto` that brought it, skipping `skip` lines."""
    found: dict[str, int] = {}
    with open_rows(path) as source:
        at = source.columns["uscc"]
        for line, cells in source.rows:
            if line > upto:
                break
            if line in skip or at >= len(cells):
                continue
            try:
                code = normalise_uscc(cells[at])
            except UsccError:
                continue
            if code in codes and code not in found:
                found[code] = line
    return found
