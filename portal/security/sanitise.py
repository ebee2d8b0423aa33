"""Markdown to safe HTML: the one function everything that renders Markdown calls.

Python-Markdown does the conversion; bleach then keeps only the tags, attributes and link schemes
listed here, so nothing from a guide (or, later, a staff member's preview) can run script, load a
frame, submit a form or restyle the page. Swapping either library means changing this file only.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from functools import partial

import markdown
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner
from markdown.extensions import Extension
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
        "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "div",
    }
)  # fmt: skip
# No "style" anywhere: the page's CSS is ours alone.
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title"],
    "abbr": ["title"],
    # Only the placeholders of interactive blocks (portal.guides.format) use this.
    "div": ["data-guide-block"],
}
# sms: for services reached by text message, such as Shout (portal.contacts).
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel", "sms"})
MARKDOWN_EXTENSIONS = ["sane_lists", "tables"]


# A link's attributes as bleach hands them to a callback: (namespace, name) -> value.
LinkAttributes = MutableMapping[tuple[str | None, str], str]


def _outbound_link_rel(attrs: LinkAttributes, new: bool = False) -> LinkAttributes | None:
    """Links to other sites must not tell them where the reader came from; plain text that
    looks like an address stays plain text."""
    if new:
        return None
    if attrs.get((None, "href"), "").startswith(("http://", "https://")):
        attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


def sanitise_html(html: str) -> str:
    """Keep only the allowed tags, attributes and link schemes; drop the rest."""
    # A Cleaner is not safe to share between threads, and rendering happens once per guide
    # version, so each call makes its own.
    cleaner = Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        # bleach reads a callback's None as "leave this text unlinked"; its stubs leave None out.
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_outbound_link_rel],  # type: ignore[list-item]
                parse_email=False,
            )
        ],
    )
    return cleaner.clean(html)


def render_markdown(source: str, extensions: Sequence[Extension] = ()) -> Markup:
    """Markdown to sanitised HTML, safe to put in a page as it is."""
    converter = markdown.Markdown(
        extensions=[*MARKDOWN_EXTENSIONS, *extensions], output_format="html"
    )
    return Markup(sanitise_html(converter.convert(source)))  # noqa: S704 (sanitised just above)


def render_inline_markdown(source: str) -> Markup:
    """Markdown for one line (a checklist item, a label): the same, without the paragraph."""
    html = render_markdown(source)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = Markup(html[3:-4])  # noqa: S704 (already sanitised)
    return html


_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, longest: int = 80) -> str:
    """A file's name made safe to use as a path in a ZIP or on a disk: plain letters, digits,
    dots, hyphens and underscores only, no leading dot, never empty."""
    plain = _NOT_PLAIN.sub("-", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(".-")
    stem, dot, extension = plain.rpartition(".")
    if dot and len(extension) <= 8:
        plain = f"{stem[: longest - len(extension) - 1]}.{extension}"
    return plain[:longest] or "file"
