"""Administrative units: the 2025 GSO province and commune codes, from `vietnam-provinces`."""

from __future__ import annotations

from functools import lru_cache

from vietnam_provinces import Province, Ward


@lru_cache(maxsize=1)
def _provinces() -> dict[str, str]:
    return {f"{int(p.code):02d}": p.name for p in Province.iter_all()}


@lru_cache(maxsize=1)
def _communes() -> dict[str, tuple[str, str]]:
    return {f"{int(w.code):05d}": (w.name, f"{int(w.province_code):02d}") for w in Ward.iter_all()}


def province_name(code: str) -> str | None:
    return _provinces().get(code)


def commune_name(code: str) -> str | None:
    found = _communes().get(code)
    return found[0] if found else None


def province_of_commune(code: str) -> str | None:
    found = _communes().get(code)
    return found[1] if found else None


def check_province_code(code: str) -> str:
    """Return the code if it names one of the 34 provinces; raise ValueError saying why not."""
    if not (len(code) == 2 and code.isdigit()):
        raise ValueError(f"province code {code!r} must be 2 digits, e.g. '14' (Sơn La)")
    if code not in _provinces():
        raise ValueError(f"province code {code!r} is not one of the 34 provinces of 2025")
    return code


def check_commune_code(code: str, *, province_code: str | None = None) -> str:
    """Return the code if it names a commune (of `province_code`, when given)."""
    if not (len(code) == 5 and code.isdigit()):
        raise ValueError(f"commune code {code!r} must be 5 digits, e.g. '03646'")
    owner = province_of_commune(code)
    if owner is None:
        raise ValueError(f"commune code {code!r} is not a commune of 2025")
    if province_code is not None and owner != province_code:
        raise ValueError(f"commune {code} belongs to province {owner}, not {province_code}")
    return code
