"""Customer-satisfaction metrics: pure functions over plain data.

No Textual, no TinyDB: stdlib only. The unit of aggregation is
:class:`Tally`; figures with no data are ``None``; invalid input raises
``ValueError`` with a clear message.
"""

from __future__ import annotations

from .breakdown import Breakdown
from .comparison import Comparison, fisher_exact, hours_until, two_proportion_z
from .csat import (
    csat_interval,
    csat_percent,
    distribution,
    mean_score,
    wilson_interval,
)
from .nps import nps, nps_counts, nps_interval
from .periods import PERIOD_NAMES, Period, local_day_and_hour, period_between, period_named
from .summary import Summary, summarize
from .tally import Tally
from .trends import DayHours, by_day, by_hour, by_weekday, compare, group_days, total

__all__ = [
    "Tally",
    "Breakdown",
    "csat_percent",
    "mean_score",
    "distribution",
    "wilson_interval",
    "csat_interval",
    "nps",
    "nps_counts",
    "nps_interval",
    "Summary",
    "summarize",
    "Period",
    "PERIOD_NAMES",
    "period_named",
    "period_between",
    "local_day_and_hour",
    "DayHours",
    "Comparison",
    "total",
    "by_day",
    "by_hour",
    "by_weekday",
    "compare",
    "fisher_exact",
    "two_proportion_z",
    "hours_until",
    "group_days",
]
