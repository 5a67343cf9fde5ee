"""Tenant colours made safe to read: WCAG 2.1 AA contrast whatever a tenant file says."""

from __future__ import annotations

from dataclasses import dataclass

from core.tenancy.schemas import Branding

AA_NORMAL_TEXT = 4.5


def _channels(hex_color: str) -> tuple[float, float, float]:
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(hex_color: str) -> float:
    """Relative luminance as WCAG 2.1 defines it (0 black … 1 white)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _channels(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def darken_until_readable(color: str, against: str = "#ffffff") -> str:
    """``color`` darkened step by step until white text on it (and it as text on white) meets
    AA; a tenant's chosen colour is kept when it already does."""
    r, g, b = _channels(color)
    for _ in range(40):
        candidate = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
        if contrast(candidate, against) >= AA_NORMAL_TEXT:
            return candidate
        r, g, b = r * 0.9, g * 0.9, b * 0.9
    return "#000000"


@dataclass(frozen=True)
class Palette:
    primary: str
    accent: str
    short_name: str
    logo_text: str
    logo_url: str
    footer: str


def palette(branding: Branding, name: str) -> Palette:
    return Palette(
        primary=darken_until_readable(branding.primary_color),
        accent=darken_until_readable(branding.accent_color),
        short_name=branding.short_name or name,
        logo_text=branding.logo_text or branding.short_name or name,
        logo_url=branding.logo_url,
        footer=branding.footer,
    )
