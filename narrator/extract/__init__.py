"""The extract stage: a decoded :class:`~narrator.models.Document` -> an ``Article``.

Pure apart from reading rule files: one module per markup (``text``, ``markdown``, ``html``)
and one shared page-chrome filter (``chrome``) whose site- and pattern-specific rules are
TOML data in ``narrator/extract/rules/`` and ``$XDG_CONFIG_HOME/narrator/rules/``.
"""

from __future__ import annotations

from narrator.errors import NarratorError
from narrator.extract.chrome import Rules, filter_blocks, load_rules
from narrator.models import Article, DocFormat, Document

__all__ = ["Rules", "extract", "filter_blocks", "load_rules"]


def extract(document: Document, rules: Rules | None = None) -> Article:
    """Find the article in ``document``: title, metadata and typed blocks labeled by part.

    ``rules`` are the page-chrome rules; by default the shipped rules plus the user's
    (:func:`load_rules`). Raises :class:`~narrator.errors.NoArticleError` when nothing
    readable is left after page chrome is removed.
    """
    if document.format is DocFormat.TEXT:
        from narrator.extract.text import extract_text

        return extract_text(document, rules)
    if document.format is DocFormat.MARKDOWN:
        from narrator.extract.markdown import extract_markdown

        return extract_markdown(document, rules)
    if document.format is DocFormat.HTML:
        # Imported lazily: html.py pulls in trafilatura and lxml, which plain-text and
        # Markdown users never need to load. HTML has its own DOM-aware chrome removal;
        # the line-based text rules would misjudge its blocks.
        from narrator.extract.html import extract_html

        return extract_html(document)
    raise NarratorError(  # pragma: no cover - DocFormat is closed; this guards a new member
        f"Unknown document format {document.format!r}; use text, markdown or html."
    )
