"""`kiosk demo`: fill an empty data dir with realistic synthetic responses.

The shape of the data, all deterministic for a given seed (and end time):

- opening hours 8:00–20:00, with a lunch peak (~12:30) and a late-afternoon
  peak (~17:30), quiet at opening and closing;
- weekends busier than weekdays (Saturday most), Monday quietest;
- a score mix giving roughly 80 % CSAT (answers of 4 or 5), moving a little
  from day to day, a little worse at the busiest hours (queues);
- a few bad days (about 1 in 40: a broken till, a short-staffed shift) with a
  CSAT around 50 %;
- the last day is today, up to the current minute.

Exactly ``days × per_day`` responses are made, shared between the days in
proportion to how busy each is (today only gets the part of its day that has
passed).  They are written through ``ResponseStore.write_now``: one append and
one fsync per day file, and the per-day summaries primed.
"""
from __future__ import annotations

import argparse
import math
import random
import time
from bisect import bisect
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import accumulate

from kiosk.config import Config, ConfigError
from kiosk.models import Response
from kiosk.store.localtime import zone
from kiosk.store.response_store import ResponseStore

OPEN_MINUTE = 8 * 60
CLOSE_MINUTE = 20 * 60

# Monday .. Sunday
WEEKDAY_FACTOR = (0.85, 0.9, 0.95, 0.95, 1.05, 1.45, 1.25)

# P(score 1..5)
NORMAL_MIX = (0.03, 0.04, 0.10, 0.37, 0.46)   # 83 % CSAT, mean ~4.2
BUSY_MIX = (0.05, 0.06, 0.12, 0.38, 0.39)     # 77 %: waiting at the peaks
BAD_MIX = (0.16, 0.15, 0.19, 0.28, 0.22)      # 50 %: a bad day
BAD_DAY_RATE = 1 / 40


def _gauss(x: float, centre: float, width: float) -> float:
    return math.exp(-0.5 * ((x - centre) / width) ** 2)


def minute_weights() -> list[float]:
    """Relative footfall for each minute of the day (0 outside opening hours)."""
    weights = []
    for minute in range(24 * 60):
        if not OPEN_MINUTE <= minute < CLOSE_MINUTE:
            weights.append(0.0)
            continue
        ramp = min(1.0, (minute - OPEN_MINUTE) / 45, (CLOSE_MINUTE - minute) / 40)
        weights.append(max(0.05, ramp) * (
            0.6 + 1.6 * _gauss(minute, 12.5 * 60, 45) + 1.2 * _gauss(minute, 17.5 * 60, 55)))
    return weights


def _busy(minute: int) -> bool:
    return abs(minute - 12.5 * 60) < 40 or abs(minute - 17.5 * 60) < 45


def _share(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    whole = sum(weights)
    if whole <= 0:
        counts = [0] * len(weights)
        counts[-1] = total
        return counts
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    left = total - sum(counts)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


def generate(config: Config, days: int, per_day: int, seed: int,
             now: datetime | None = None) -> Iterator[Response]:
    """``days × per_day`` responses over the ``days`` local days ending with
    ``now``'s (default: now), in time order.  Same arguments, same responses."""
    if days < 1 or per_day < 0:
        raise ValueError("days must be 1 or more and per_day 0 or more")
    tz = zone(config.kiosk.timezone)  # wall-clock times of the kiosk's own zone
    now = (now or datetime.now(tz)).astimezone(tz)
    rng = random.Random(seed)
    today = now.date()
    first = today - timedelta(days=days - 1)
    weights = minute_weights()
    cumulative = list(accumulate(weights))
    now_minute = now.hour * 60 + now.minute

    # How busy each day is, and whether it is a bad one.
    day_weight, day_bad, day_lift = [], [], []
    for i in range(days):
        day = first + timedelta(days=i)
        jitter = max(0.3, rng.gauss(1.0, 0.12))
        share = 1.0
        if day == today:
            share = cumulative[now_minute - 1] / cumulative[-1] if now_minute else 0.0
        day_weight.append(WEEKDAY_FACTOR[day.weekday()] * jitter * share)
        day_bad.append(rng.random() < BAD_DAY_RATE)
        day_lift.append(rng.gauss(0.0, 0.025))  # this day's small swing in satisfaction
    if sum(day_weight) <= 0:  # only today, before opening: spread over the night
        day_weight[-1] = 1.0
    counts = _share(days * per_day, day_weight)

    survey, kiosk_id, language = config.survey, config.kiosk.id, config.kiosk.language
    labels = config.texts().labels
    # Most customers keep the default language; a few tourists switch.
    others = [code for code in config.kiosk.languages if code != language]
    other_labels = {code: config.texts(code).labels for code in others}
    followup = config.followup
    reason_weights = [REASON_WEIGHTS.get(r, 0.1) for r in followup.reasons]
    nps_on = config.nps.enabled
    random_, getrandbits = rng.random, rng.getrandbits
    minutes = range(24 * 60)
    for i, n in enumerate(counts):
        if not n:
            continue
        day = first + timedelta(days=i)
        if day == today:
            limit = now_minute
            day_cum = cumulative[:limit] if limit and cumulative[limit - 1] > 0 else None
        else:
            day_cum = cumulative
        if day_cum is None:  # today before opening: minutes since midnight
            picked = [rng.randrange(max(1, now_minute)) for _ in range(n)]
        else:
            picked = rng.choices(minutes[:len(day_cum)], cum_weights=day_cum, k=n)
        picked.sort()
        lift = day_lift[i]
        normal = _mix(BAD_MIX if day_bad[i] else NORMAL_MIX, lift)
        busy = _mix(BAD_MIX if day_bad[i] else BUSY_MIX, lift)
        normal_cum, busy_cum = list(accumulate(normal)), list(accumulate(busy))
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        last_second = None
        if day == today:
            last_second = now.hour * 3600 + now.minute * 60 + now.second
        seconds = []
        for minute in picked:
            second = minute * 60 + rng.randrange(60)
            if last_second is not None and second > last_second:
                second = last_second
            seconds.append(second)
        seconds.sort()
        for second in seconds:
            mix = busy_cum if _busy(second // 60) else normal_cum
            score = bisect(mix, random_() * mix[-1]) + 1
            stamp = midnight + timedelta(seconds=second + random_())
            if last_second is not None and stamp > now:
                stamp = now.astimezone(tz)
            shown, shown_labels = language, labels
            if others and random_() < FOREIGN_SHARE:
                shown = others[int(random_() * len(others))]
                shown_labels = other_labels[shown]
            reason = None
            if followup.enabled and score <= followup.threshold and random_() < REASON_SHARE:
                reason = rng.choices(followup.reasons, weights=reason_weights)[0]
            yield Response(
                id=_uuid4(getrandbits(128)),
                timestamp=stamp,
                kiosk=kiosk_id,
                question=survey.question_id,
                score=score,
                label=shown_labels[score - 1],
                language=shown,
                reason=reason,
                nps=_nps_for(score, random_()) if nps_on else None,
            )


FOREIGN_SHARE = 0.12  # customers who switch language
REASON_SHARE = 0.65  # low scores that pick a reason rather than Skip
REASON_WEIGHTS = {"waiting": 0.35, "staff": 0.2, "product": 0.15, "price": 0.15,
                  "cleanliness": 0.05, "other": 0.1}


def _nps_for(score: int, u: float) -> int:
    """A plausible 0-10 answer for a 1-5 satisfaction score."""
    low, high = {1: (0, 3), 2: (2, 6), 3: (5, 8), 4: (7, 9), 5: (8, 10)}[score]
    return min(high, low + int(u * (high - low + 1)))


def _uuid4(bits: int) -> str:
    """A version-4 UUID string from 128 random bits (as uuid.UUID(int=, version=4))."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = "%032x" % bits
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _mix(base: tuple[float, ...], lift: float) -> list[float]:
    """Move ``lift`` of probability between the low (1–3) and top (4–5) answers."""
    low, high = sum(base[:3]), sum(base[3:])
    lift = max(-high + 0.05, min(low - 0.02, lift))
    return [p * (1 - lift / low) for p in base[:3]] + [p * (1 + lift / high) for p in base[3:]]


def has_responses(store: ResponseStore) -> bool:
    return any(store.day_path(day).stat().st_size > 0 for day in store.days())


def run_demo(args: argparse.Namespace, config: Config) -> int:
    if args.days < 1:
        raise ConfigError(f"kiosk demo: --days must be 1 or more, got {args.days}")
    if args.per_day < 1:
        raise ConfigError(f"kiosk demo: --per-day must be 1 or more, got {args.per_day}")
    store = ResponseStore(config.data_dir, tz=config.kiosk.timezone)
    if has_responses(store):
        raise ConfigError(
            f"{config.data_dir} already holds responses; "
            "demo data only goes into an empty data dir (use --data-dir with a new directory)")
    started = time.perf_counter()
    try:
        count = store.write_now(generate(config, args.days, args.per_day, args.seed))
    finally:
        store.close()
    elapsed = time.perf_counter() - started
    print(f"kiosk: wrote {count} demo response(s) over {args.days} day(s) "
          f"to {config.data_dir} in {elapsed:.1f} s")
    return 0
