"""Decoding text files: byte-order marks, UTF-8, BOM-less UTF-16, and a single-byte guess.

A user's text is never silently garbled: where the encoding is a guess (the file is not UTF-8),
the caller's warnings say so and name the encoding chosen.
"""

from __future__ import annotations

import re

from pksb_reflect.errors import InputError

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode_text(data: bytes, name: str, warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode text bytes: BOMs first, then UTF-8, BOM-less UTF-16, then a single-byte guess.

    Text that is UTF-8 but for a few bad bytes is read as UTF-8 with those bytes replaced, and
    `warnings` (when given) says so; text that is not UTF-8 is read as Windows-1252 or Mac
    Roman, whichever reads more like prose, with a warning that the encoding is a guess.
    """
    notes: list[str] = warnings if warnings is not None else []
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(data[3:].decode("utf-8", errors="strict"), name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"), name), "utf-16"
        except UnicodeDecodeError:
            raise InputError("is not valid UTF-16 text despite its byte-order mark", name) from None
    guess = _utf16_without_bom(data)
    if guess:
        try:
            return _checked(data.decode(guess), name), guess
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise InputError("looks like binary data, not text", name)
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = len(_UTF8_MULTIBYTE.findall(data[:1_000_000]))
    if multibyte and bad <= multibyte:
        notes.append(
            f"{name}: is UTF-8 but for {bad} invalid byte{'s' if bad != 1 else ''}, "
            "each shown as \ufffd"
        )
        return _checked(replaced, name), "utf-8"
    text, encoding, label = _single_byte(data)
    notes.append(
        f"{name}: is not UTF-8; read as {label}, a guess from its characters "
        "(check its quotes and accents, or save it as UTF-8)"
    )
    return _checked(text, name), encoding


# Characters a statement plausibly holds beyond ASCII, in either single-byte encoding.
_PLAUSIBLE = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a3\u20ac\u00a9\u00b0\u00a0\u00bd")


def _single_byte(data: bytes) -> tuple[str, str, str]:
    """Text that is not UTF-8, as Windows-1252 or Mac Roman, whichever reads more like prose.

    Both map every ASCII byte alike and differ above 127: Windows-1252's curly quotes are Mac
    Roman's accented vowels (0x91-0x94) and Mac Roman's curly quotes are Windows-1252's capital
    O with accents (0xD2-0xD5). A character scores against an encoding when it is neither a
    usual typographic mark nor a letter that fits its neighbours (a capital between small
    letters, a symbol inside a word); the lower score wins, Windows-1252 on a tie.
    """
    readings: list[tuple[int, int, str, str, str]] = []
    for rank, (encoding, label) in enumerate(
        (("cp1252", "Windows-1252"), ("mac_roman", "Mac Roman"))
    ):
        text = data.decode(encoding, errors="replace")  # Mac Roman maps every byte
        readings.append((_implausible(text), rank, text, encoding, label))
    _, _, text, encoding, label = min(readings)
    return text, encoding, label


def _implausible(text: str) -> int:
    score = 0
    for match in re.finditer(r"[^\x00-\x7f]", text[:1_000_000]):
        ch = match.group()
        if ch in _PLAUSIBLE:
            continue
        before = text[match.start() - 1 : match.start()]
        if ch.isalpha() and ch.islower():
            continue
        if ch.isalpha() and ch.isupper() and not before.islower():
            continue
        score += 1
    return score


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 has a zero byte in every other position."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _checked(text: str, name: str) -> str:
    """Refuse binary data that happened to decode: text has almost no control characters."""
    if "\x00" in text:
        raise InputError("looks like binary data, not text", name)
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if sample and controls / len(sample) > 0.01:
        raise InputError("looks like binary data, not text", name)
    return text
