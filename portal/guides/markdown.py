"""Guide Markdown to safe HTML, with its headings at the page's levels.

In a guide, `##` starts a step, and the step's title is its page's <h1>; so a `###` subheading
in a step is the page's <h2>, `####` its <h3>. Everything in a guide renders through here, so
a page's headings never skip a level (h1, then h3) for someone moving by headings.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from portal.security.sanitise import render_markdown

# Markdown's heading level less this is the page's (an <h1> here is removed by the sanitiser).
LEVELS_ABOVE_THE_PAGE = 1
HEADINGS = {f"h{level}": level for level in range(2, 7)}


class _PageHeadings(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag in HEADINGS:
                element.tag = f"h{HEADINGS[element.tag] - LEVELS_ABOVE_THE_PAGE}"


class _PageHeadingsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_PageHeadings(md), "guide_page_headings", 5)


def render_guide_markdown(source: str, extensions: Sequence[Extension] = ()) -> Markup:
    """A guide's Markdown (a step, its introduction, a block's text) as safe HTML."""
    return render_markdown(source, [*extensions, _PageHeadingsExtension()])
