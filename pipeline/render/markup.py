"""The templates' Jinja environment and the filters through which every string from ``results/``
enters a page: text shown exactly as it was (escaped for HTML and Markdown at once), code,
links, scores, and method docstrings with their maths.
"""

from __future__ import annotations

import inspect
import re
import string
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pipeline.base import PROJECT_ROOT
from pipeline.base import intervals
from pipeline.base.formats import ci, interval, signed

TEMPLATES = PROJECT_ROOT / "site" / "templates"


def environment() -> Environment:
    """The templates' Jinja environment. Every string from results/ (catalogue.json, the CSVs,
    custom parts) enters a page through one of the filters below, never bare: ``md_text`` for
    text, ``code`` for inline code, ``code_block`` for source files, ``link`` for a text with its
    address, and Jinja's ``urlencode`` for a name in a link of the site's own. (Bare is right only
    in an HTML attribute of a raw HTML block, which autoescape covers.)"""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=False, keep_trailing_newline=True)
    env.filters.update(score=score, md_text=md_text, code=code, code_block=code_block, link=link, signed=signed, ci=ci, interval=interval,
                       capitalize_first=capitalize_first)
    env.globals["interval_note"] = intervals.SENTENCE
    return env


# Untrusted text is escaped for HTML and for Markdown at once: `<>&"'` become HTML entities, and
# every other ASCII sign that Markdown or the site's extensions give a meaning (links, emphasis,
# code, tables, attribute lists, maths, a block marker at a line's start) a numeric character
# reference, which Markdown leaves alone and the browser shows as the sign. Letters, digits,
# spaces and ,/:;%@() mean nothing on their own.
ENTITIES = {sign: f"&#{ord(sign)};" for sign in string.punctuation if sign not in ",/:;%@()"} | {
    "<": "&lt;", ">": "&gt;", "&": "&amp;"}
INLINE_MARKUP = re.compile(r"``(.+?)``|`([^`]+)`|\*(\S(?:[^*]*\S)?)\*")  # code, and emphasis
SAFE_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)


def escape_text(text: str) -> str:
    """``text`` as Markdown that shows exactly that text (see ``ENTITIES``)."""
    return "".join(ENTITIES.get(sign, sign) for sign in text)


def inline_text(text: str) -> str:
    """Escaped text, in which a ``literal`` or `literal` and *emphasis* (which docstrings and the
    profiles' descriptions use) are still shown as such: HTML tags around escaped text."""
    out, end = [], 0
    for match in INLINE_MARKUP.finditer(text):
        literal = match.group(1) or match.group(2)
        tagged = f"<code>{escape_text(literal)}</code>" if literal else f"<em>{escape_text(match.group(3))}</em>"
        out += [escape_text(text[end:match.start()]), tagged]
        end = match.end()
    return "".join(out) + escape_text(text[end:])


def md_text(value: object) -> Markup:
    """Untrusted text on one line (whitespace runs, newlines included, become one space, so that
    it can neither end a table row nor start a block of its own)."""
    return Markup(inline_text(" ".join(str(value).split())))


def code(value: object) -> Markup:
    """Untrusted text as inline code, on one line."""
    return Markup(f"<code>{escape_text(' '.join(str(value).split()))}</code>")


def code_block(source: str, language: str = "") -> Markup:
    """A fenced code block whose fence is longer than any run of backticks in ``source``, so that no
    line of it can close the fence (superfences ends a fence only on one of the same length)."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{source.rstrip()}\n{fence}")


def link(text: object, url: object) -> Markup:
    """A Markdown link to ``url`` if it is an http(s) address (percent-encoded, so that it cannot
    end the link early); anything else (``javascript:``, ``data:``) is shown after the text, as text."""
    url = str(url)
    if SAFE_URL.match(url):
        return Markup(f"[{md_text(text)}]({quote(url, safe='/:?#@!$&*+,;=%~')})")
    return md_text(f"{text} ({url})")


def score(value: float, fmt: str = "%.2f") -> str:
    """A metric for display; NaN is a run that diverged (its scores were never computed)."""
    return "diverged" if value is None or value != value else fmt % value


def docstring_markdown(doc: str) -> Markup:
    """A method docstring (reST maths) as Markdown.

    ``.. math::`` blocks and ``:math:`` roles become what pymdownx.arithmatex would make of
    ``\\[ \\]`` and ``\\( \\)`` (``<div class="arithmatex">``, ``<span class="arithmatex">``), drawn
    by the site's own KaTeX. They are written as HTML here, their TeX escaped, so that no TeX can
    end the maths early and leave the rest to Markdown. The prose is ``inline_text``, each line
    stripped so that none starts a Markdown block of its own (an indented code block, a list).
    """
    parts: list[str] = []
    lines = inspect.cleandoc(doc).splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == ".. math::":
            block = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                block.append(lines[i][4:])
                i += 1
            tex = escape_text("\\[\n" + "\n".join(block).strip() + "\n\\]")
            parts.append(f'\n<div class="arithmatex">\n{tex}\n</div>\n')  # a block of its own
        else:
            parts.append(inline_math(lines[i].strip()))
            i += 1
    return Markup("\n".join(parts))


def inline_math(line: str) -> str:
    """A line of prose with its ``:math:`` roles as maths (see ``docstring_markdown``)."""
    pieces = re.split(r":math:`([^`]*)`", line)
    return "".join(inline_text(piece) if k % 2 == 0 else '<span class="arithmatex">' + escape_text(rf"\({piece}\)") + "</span>"
                   for k, piece in enumerate(pieces))


def capitalize_first(text: str) -> Markup:
    """Escaped text (``md_text``) whose first letter starts a sentence."""
    return Markup(text[:1].upper() + text[1:])
