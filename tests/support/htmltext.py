"""The text of an HTML page, as the tests read it (one parser for every test module)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self, skip_tags: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_tags = skip_tags
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._skip_tags:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self._skip_tags and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_text(markup: str, *, separator: str = "", skip_tags: tuple[str, ...] = ()) -> str:
    """All text nodes of ``markup`` joined by ``separator``, leaving out ``skip_tags``."""
    parser = _Text(skip_tags)
    parser.feed(markup)
    parser.close()
    return separator.join(parser.parts)
