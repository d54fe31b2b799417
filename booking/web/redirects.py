"""Where a page may send someone next: only to a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def local_target(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``.

    Checked the way a browser will read it, not the way it looks: browsers drop tabs and
    newlines anywhere in a URL (so ``/<TAB>/evil.example`` becomes ``//evil.example``, another
    host) and read a backslash as a slash; a header with a newline cannot even be sent. One
    decoding more is checked too, so an encoded slash cannot turn into a host on a second hop.
    """
    if not target:
        return default
    for form in (target, unquote(target)):
        if not _is_plain_path(form):
            return default
    return target


def _is_plain_path(value: str) -> bool:
    if not value.isprintable():
        return False  # control, invisible and line-separating characters: dropped or refused downstream
    if "\\" in value or not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
