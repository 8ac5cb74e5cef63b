"""Escaping and the inline style shared by the feedback pages and the class report.

Why: pages are opened offline from a folder or an LMS: no CDN, no script, the
CSS inline; every text that student code could have chosen passes esc().
"""
from __future__ import annotations

import html as _html

from nncourse.exports.text import clean

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:1.5rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:1.8rem;border-bottom:1px solid #ddd}
.muted{color:#666;font-size:.9rem}.score{font-size:1.6rem;font-weight:600}
.box{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0;background:#fafafa}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #e5e5e5;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num,th.num{text-align:right}
.ok{color:#1a7f37}.bad{color:#b42318}.warn{color:#9a6700}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #e5e5e5;padding:.5rem;
border-radius:4px;font-size:.85rem;margin:.3rem 0}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#444;max-width:48rem}
.bar{display:inline-block;background:#1f77b4;height:.8rem;vertical-align:middle}
"""


def esc(text) -> str:
    """Text for HTML: control characters shown as \\xNN, then &, <, >, quotes escaped."""
    return _html.escape(clean(str(text)), quote=True)


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def md_code(text: str) -> str:
    """A fenced block that student text cannot close: the fence is longer than any backtick run in it."""
    body = clean(text)
    longest = max((len(run) for run in body.split("\n") for run in _runs_of_backticks(run)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def _runs_of_backticks(line: str) -> list[str]:
    runs, current = [], ""
    for ch in line:
        if ch == "`":
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def md_text(text: str) -> str:
    """Inline Markdown text with its special characters backslash-escaped (and no raw HTML)."""
    out = clean(str(text)).replace("\n", " ")
    for ch in "\\`*_{}[]()#+-.!|<>&":
        out = out.replace(ch, "\\" + ch)
    return out
