"""Text charts for the admin view: answer distribution bars and small profiles."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from scoring import Summary, Tally, csat_percent

SCORE_COLOURS = ("#e05252", "#eb8c4c", "#e8c547", "#9ccc65", "#43a047")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class DistributionBars(Static):
    """One horizontal bar per answer, with count and percent."""

    def show(self, summary: Summary, labels: tuple[str, ...]) -> None:
        width = max(len(label) for label in labels)
        bar_room = max(10, self.size.width - width - 24)
        text = Text()
        for score in range(5, 0, -1):
            count, percent = summary.distribution[score]
            bar = "█" * round(bar_room * percent / 100)
            text.append(f"{score} {labels[score - 1]:<{width}} ")
            text.append(bar.ljust(bar_room), style=SCORE_COLOURS[score - 1])
            text.append(f" {count:>7} {percent:5.1f} %\n")
        self.update(text)


def csat_cells(tallies: list[Tally], names: list[str], threshold: int, width: int = 80) -> Text:
    """Rows of 'name CSAT% n=…' cells, '—' where a bucket has no answers; a cell
    never breaks across lines (it moves to the next line whole)."""
    text = Text()
    used = 0
    for name, tally in zip(names, tallies):
        value = csat_percent(tally, threshold)
        shown = "—" if value is None else f"{value:.0f}%"
        cell_width = Text(f"{name} {shown} n={tally.n}").cell_len
        if used and used + 3 + cell_width > width:
            text.append("\n")
            used = 0
        elif used:
            text.append("   ")
            used += 3
        text.append(f"{name} ", style="bold")
        text.append(f"{shown} ", style="bold" if value is not None else "dim")
        text.append(f"n={tally.n}", style="dim")
        used += cell_width
    return text


def word_cells(cells: list[str], width: int = 80) -> str:
    """Join short cells with spaces, moving a cell that would not fit to the next line."""
    lines, line = [], ""
    for cell in cells:
        if line and len(line) + 3 + len(cell) > width:
            lines.append(line)
            line = cell
        else:
            line = f"{line}   {cell}" if line else cell
    return "\n".join(lines + [line])
