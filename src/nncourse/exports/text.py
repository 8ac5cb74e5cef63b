"""Make text that came from student code safe to put in a file someone else opens.

Why: messages quote student values and exception text; a terminal escape, a NUL
or a lone surrogate must not reach a CSV, an XML file or a web page as is.
"""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None, limit: int = 20000) -> str:
    """Control characters (but newline and tab) shown as \\xNN; long text cut with a note."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut]"
