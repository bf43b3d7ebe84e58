"""Charts of the admin view: answer bars, the CSAT trend, the hour x weekday heat map,
the reasons bar chart, and how a headline is laid out without breaking a figure.

Colours are theme variables ($success, $error, $warning...) resolved by Textual at
render time; text that comes from data (reasons, languages) is always a plain
Content, never markup.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.events import Resize
from textual.widgets import Static
from textual_plotext import PlotextPlot

from scoring import Summary, Tally, csat_interval, csat_percent

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OTHER = "other"

# One meaning, one colour: selected is $primary (in the stylesheet), and in charts:
ON_TARGET = "$text-success on $success-muted"
BELOW_TARGET = "bold $text-error on $error-muted"
SMALL_SAMPLE = "$text-warning on $warning-muted"
NO_DATA = "$text-muted"


def shown(value: float) -> float:
    """The figure as the admin view prints it (one decimal): every colour and verdict
    is decided on this, so "80.0" is never painted "below an 80 % target"."""
    return round(value, 1)


def plain(text: str, limit: int = 40) -> str:
    """Text from data made safe to draw: control characters (escape sequences) removed,
    cut to ``limit`` characters."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def fit_cells(text: str, width: int) -> str:
    """``text`` made safe (``plain``) and padded or cut to exactly ``width`` terminal
    cells: a wide character (CJK, emoji) takes two, so counting characters would push
    the figures after it onto the next line."""
    cleaned = plain(text, 10_000)
    if cell_len(cleaned) > width:
        return set_cell_size(cleaned, max(0, width - 1)) + "…"
    return set_cell_size(cleaned, width)


class RedrawnOnResize(Static):
    """A chart laid out to its own width: when that changes (a scrollbar appears beside
    it, the terminal is resized) it is drawn again from what it was last shown."""

    _last_shown: tuple[object, ...] | None = None

    def show(self, *args: object) -> None:
        raise NotImplementedError

    def remember(self, *args: object) -> None:
        self._last_shown = args

    def on_resize(self, event: Resize) -> None:
        if self._last_shown is not None:
            self.show(*self._last_shown)


def top_counts(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` largest counts, then one ``(OTHER, rest)`` entry when more exist: bounded
    work whatever the data holds (a hostile import with 100k distinct reasons)."""
    import heapq

    top = heapq.nlargest(n, counts.items(), key=lambda item: (item[1], item[0]))
    if len(counts) > n:
        rest = sum(counts.values()) - sum(count for _, count in top)
        top.append((OTHER, rest))
    return top


def fit_phrases(phrases: Sequence[str], width: int, separator: str = " · ") -> str:
    """Join phrases on as few lines as fit ``width``; a phrase never breaks inside
    (so "79.9 %" or "18,818 answers" stay whole), it moves to the next line."""
    lines: list[str] = []
    line = ""
    for phrase in phrases:
        candidate = f"{line}{separator}{phrase}" if line else phrase
        if line and len(candidate) > width:
            lines.append(line)
            line = phrase
        else:
            line = candidate
    return "\n".join([*lines, line])


class DistributionBars(RedrawnOnResize):
    """One horizontal bar per answer, with count and percent (0–100 % across)."""

    DEFAULT_CSS = "DistributionBars { height: auto; }"
    SCORE_STYLES = ("$text-error", "$text-warning", "$text-warning", "$text-success",
                    "$text-success")

    def show(self, summary: Summary, labels: tuple[str, ...]) -> None:  # type: ignore[override]
        self.remember(summary, labels)
        width = min(40, max(cell_len(plain(label)) for label in labels))
        bar_room = max(6, self.size.width - width - 20)
        parts: list[tuple[str, str] | str] = []
        for score in range(5, 0, -1):
            count, percent = summary.distribution[score]
            bar = "█" * round(bar_room * percent / 100)
            parts += [f"{score} {fit_cells(labels[score - 1], width)} ",
                      (bar.ljust(bar_room), self.SCORE_STYLES[score - 1]),
                      f" {count:>7,} {percent:5.1f}\u00a0%\n"]
        self.update(Content.assemble(*parts))


class TrendChart(PlotextPlot):
    """CSAT per day (or week, or month) as a line on a fixed 0–100 % axis, with the
    target and the 95 % interval of every point."""

    DEFAULT_CSS = "TrendChart { height: 1fr; min-height: 8; }"
    points: list[tuple[date, Tally]] = []
    unit = "day"

    def show(self, points: list[tuple[date, Tally]], unit: str, threshold: int,
             target: float) -> None:
        self.points, self.unit = points, unit  # what is drawn, in its buckets
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.date_form("Y-m-d", "Y-m-d")
        with_data = [(day, tally) for day, tally in points if tally.n]
        labels = [day.isoformat() for day, _ in with_data]
        values = [csat_percent(tally, threshold) or 0.0 for _, tally in with_data]
        plt.ylim(0, 100)
        plt.yticks([0, 20, 40, 60, 80, 100])
        plt.ylabel("CSAT %")
        per = {"day": "day", "week": "week (Mon–Sun, all answers)",
               "month": "month (all answers)"}[unit]
        plt.xlabel(f"per {per}")
        if labels:
            bands = [csat_interval(tally, threshold, 0.95) for _, tally in with_data]
            if len(labels) > 1:
                plt.plot(labels, [band[0] if band else 0.0 for band in bands], color="gray",
                         marker="dot", label="95 % interval")
                plt.plot(labels, [band[1] if band else 0.0 for band in bands], color="gray",
                         marker="dot")
            plt.hline(target, "red")
            plt.plot(labels, values, marker="braille" if len(labels) > 1 else "●",
                     color="cyan", label="CSAT")
            plt.plot(labels[:1], [target], color="red", marker=" ", label=f"target {target:g} %")
            step = max(1, len(labels) // max(1, (self.size.width - 10) // 12))
            plt.xticks(labels[::step],  # type: ignore[arg-type]  # plotext takes date strings
                       [_short(label) for label in labels[::step]])
        else:
            plt.title("No answers in this period")
        self.refresh()


def _short(iso: str) -> str:
    """"2026-11-20" -> "20 Nov" (an axis label that fits)."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b')}"


class HeatMap(RedrawnOnResize):
    """CSAT by weekday (rows) and hour (columns): green at or above the target, red
    below, amber where fewer than ``min_responses`` answers make the cell unreliable,
    blank without answers."""

    DEFAULT_CSS = "HeatMap { height: auto; }"

    def show(self, grid: list[list[Tally]], threshold: int, target: float,  # type: ignore[override]
             min_responses: int) -> None:
        self.remember(grid, threshold, target, min_responses)
        hours = [h for h in range(24) if any(row[h].n for row in grid)] or list(range(8, 20))
        first, last = min(hours), max(hours)
        span = range(first, last + 1)
        cell = 4 if self.size.width >= 6 + 4 * len(span) else 3
        parts: list[tuple[str, str] | str] = ["    "]
        parts += [f"{h:>{cell - 1}}h" if cell == 4 else f"{h:>{cell}}" for h in span]
        parts.append("\n")
        for weekday, row in enumerate(grid):
            parts.append(f"{WEEKDAYS[weekday]} ")
            for h in span:
                tally = row[h]
                value = csat_percent(tally, threshold)
                if value is None:
                    parts.append(("·".center(cell), NO_DATA))
                    continue
                text = f"{shown(value):.0f}".rjust(cell - 1) + " "
                if tally.n < min_responses:
                    style = SMALL_SAMPLE
                elif shown(value) >= target:
                    style = ON_TARGET
                else:
                    style = BELOW_TARGET
                parts.append((text, style))
            parts.append("\n")
        parts += [("  ≥ target ", ON_TARGET), " ", ("  below target ", BELOW_TARGET), " ",
                  (f"  < {min_responses} answers ", SMALL_SAMPLE), " · no answers"]
        self.update(Content.assemble(*parts))


class ReasonBars(RedrawnOnResize):
    """Why low scores were given: one bar per reason (top N, then "other"), its length
    proportional to the reason's share of the answers that gave one (zero baseline)."""

    DEFAULT_CSS = "ReasonBars { height: auto; }"

    def show(self, items: Iterable[tuple[str, int]], total: int,  # type: ignore[override]
             limit: int) -> None:
        rows = list(items)
        self.remember(rows, total, limit)
        if not rows or total <= 0:
            self.update("No reasons given in this period.")
            return
        shown_rows = rows[:limit]
        suffixes = [f" {100 * count / total:.0f}\u00a0% ({count:,})" for _, count in shown_rows]
        # The label gives way first on a narrow column: the figures stay on their line.
        room_for_label = self.size.width - 2 - max(map(len, suffixes))
        width = max(4, min(22, room_for_label,
                           max(cell_len(plain(label)) for label, _ in shown_rows)))
        bar_room = max(1, self.size.width - width - 1 - max(map(len, suffixes)))
        largest = max(count for _, count in shown_rows)
        parts: list[tuple[str, str] | str] = []
        for (label, count), suffix in zip(shown_rows, suffixes):
            parts += [f"{fit_cells(label, width)} ",
                      ("█" * max(1, round(bar_room * count / largest)), "$text-error"),
                      f"{suffix}\n"]
        self.update(Content.assemble(*parts))
