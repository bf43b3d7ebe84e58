"""Figures for `kiosk stats`: the store's per-day summaries through scoring/."""
from __future__ import annotations

from datetime import date

from kiosk.config import Config
from kiosk.store.response_store import ResponseStore
from scoring import Summary, Tally, summarize


def stats_summary(store: ResponseStore, config: Config,
                  since: date | None = None, until: date | None = None) -> Summary:
    """The summary of [since, until] from per-day totals (never a re-read of every tap)."""
    total = Tally()
    for day_total in store.day_totals(since, until).values():
        total.update(day_total)
    return summarize(
        total,
        threshold=config.survey.satisfied_threshold,
        min_responses=config.admin.min_responses,
    )


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def stats_table(summary: Summary, config: Config,
                since: date | None = None, until: date | None = None) -> str:
    """A readable table of the figures."""
    period = f"{since or 'first day'} … {until or 'today'}"
    lines = [f"CSAT for {config.kiosk.id}, {period}", ""]
    lines.append(f"  Responses      {summary.responses}"
                 + (f"  (+{summary.flagged} flagged, left out)" if summary.flagged else ""))
    if summary.csat is None:
        lines.append("  CSAT           — (no responses yet)")
    else:
        low, high = summary.ci95 or (None, None)
        lines.append(f"  CSAT           {_fmt(summary.csat, ' %')}"
                     f"   (95 % interval {_fmt(low)}–{_fmt(high, ' %')};"
                     f" answers ≥ {summary.threshold})")
        lines.append(f"  Mean score     {summary.mean:.2f} / 5")
    if summary.small_sample and summary.responses:
        lines.append(f"  ! Fewer than {config.admin.min_responses} responses: "
                     "treat these figures as a rough guide.")
    lines.append("")
    width = max(len(label) for label in config.texts().labels)
    for score, (count, percent) in summary.distribution.items():
        label = config.texts().labels[score - 1]
        bar = "█" * round(percent / 4)
        lines.append(f"  {score} {label:<{width}} {count:>8}  {percent:5.1f} %  {bar}")
    return "\n".join(lines)
