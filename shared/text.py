"""Vietnamese text as the platform stores and searches it: NFC, and folded for search."""

from __future__ import annotations

import unicodedata

from unidecode import unidecode


def no_nul(text: str) -> str:
    """Text with no NUL character: no record holds one (PostgreSQL text cannot)."""
    if "\x00" in text:
        raise ValueError("text may not contain the NUL character (U+0000)")
    return text


def nfc(text: str) -> str:
    """Text as stored: NFC-normalised, trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Text for accent-insensitive search: 'Phố Mới' -> 'pho moi', 'Đồng' -> 'dong'."""
    return " ".join(unidecode(nfc(text)).lower().split())
