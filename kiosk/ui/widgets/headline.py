"""A headline in the block font where it fits, in plain bold where it does not."""
from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from kiosk.ui.widgets.blockfont import render_block


class Headline(Widget):
    """Text not written by the code (config, locales): never parsed as markup.

    The block font is used while it fits the width and ``share`` of the screen's
    height (and the script has glyphs); otherwise the text is plain bold, wrapped,
    never clipped."""

    DEFAULT_CSS = """
    Headline {
        width: 100%;
        height: auto;
        text-style: bold;
    }
    """

    text: reactive[str] = reactive("", layout=True)

    def __init__(self, text: str, *, share: float = 0.36, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.share = share
        self.set_reactive(Headline.text, text)

    def block_rows(self, width: int) -> list[str] | None:
        """The block-font rows at ``width``, or None where plain text is shown."""
        max_rows = max(3, int(self.screen.size.height * self.share))
        return render_block(self.text, width, max_rows)

    @property
    def is_block(self) -> bool:
        return self.block_rows(self.content_region.width) is not None

    def render(self) -> Text:
        width = self.content_region.width
        rows = self.block_rows(width)
        if rows is None:
            return Text(self.text, justify="center")
        # Centred here, row by row at full width (the rows of a line are equally
        # wide): Rich's own centring strips the blanks that place the accents.
        return Text("\n".join(row.center(width).rstrip() for row in rows), no_wrap=True,
                    justify="left")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        rows = self.block_rows(width)
        if rows is not None:
            return len(rows)
        return len(Text(self.text).wrap(self.app.console, max(1, width)))
