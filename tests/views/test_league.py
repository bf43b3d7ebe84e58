"""The league: sorted by need, the period on every column, the chain's card."""
from __future__ import annotations

from datetime import timedelta

from kiosk.views.league import SiteInput, league
from scoring import Tally

from .helpers import TODAY, tally


def _days(before: tuple[int, int], now: tuple[int, int], weeks: int = 12):
    days = {}
    for back in range(weeks * 7):
        days[TODAY - timedelta(days=back)] = tally(*(now if back < 7 else before))
    return days


def test_sorted_by_need():
    sites = [
        SiteInput("a-fine", _days((90, 10), (90, 10))),
        SiteInput("b-below", _days((70, 30), (70, 30))),
        SiteInput("c-drop", _days((90, 10), (72, 28))),
        SiteInput("d-empty", {}),
        SiteInput("e-worse-below", _days((60, 40), (60, 40))),
    ]
    result = league(sites, TODAY, target=80.0, reconciliation={"a-fine": "all answers"})
    assert [r.kiosk_id for r in result.rows] == ["c-drop", "e-worse-below", "b-below",
                                                 "a-fine", "d-empty"]
    assert [r.need_words for r in result.rows][:2] == ["below target, real drop",
                                                       "below target"]
    assert result.needing_attention == 3
    assert result.rows[3].reconciliation == "all answers"
    assert result.rows[0].reconciliation is None
    assert all("last 7 days" in c for c in result.columns[1:3])
    assert "the 7 days before" in result.columns[3]


def test_chain_card_sums_the_sites():
    sites = [SiteInput("x", _days((80, 20), (80, 20))), SiteInput("y", _days((60, 40), (60, 40)))]
    result = league(sites, TODAY, target=80.0)
    assert result.chain.n == 2 * 7 * 100 and result.chain.csat == 70.0
    assert len(result.chain.series) == 12
    y = next(r for r in result.rows if r.kiosk_id == "y")
    assert y.below_chain and y.glance.series[-1].csat == 60.0


def test_rounded_below_target_and_names():
    days = {TODAY: Tally.from_counts([2001, 0, 0, 0, 7999])}  # 79.99 % shows as 80.0
    result = league([SiteInput("z", days, name="Zürich [main]")], TODAY, target=80.0)
    assert result.rows[0].need_words == "at or above target"
    assert result.rows[0].name == "Zürich [main]"
