from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Tally

scores = st.lists(st.integers(1, 5), max_size=60)


def test_new_tally_has_every_score_at_zero() -> None:
    t = Tally()
    assert t.counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert t.flagged == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert (t.n, t.n_flagged, t.total) == (0, 0, 0)


def test_add_counts_score_and_total() -> None:
    t = Tally()
    t.add(5)
    t.add(4)
    t.add(4)
    assert t.counts == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert t.n == 3
    assert t.total == 13


def test_flagged_answers_are_kept_apart() -> None:
    t = Tally()
    t.add(1, flagged=True)
    t.add(5)
    assert t.n == 1
    assert t.total == 5
    assert t.n_flagged == 1
    assert t.flagged[1] == 1
    assert t.counts[1] == 0


def test_combined_counts_flagged_as_normal() -> None:
    t = Tally()
    t.add(1, flagged=True)
    t.add(5)
    c = t.combined()
    assert c.counts == {1: 1, 2: 0, 3: 0, 4: 0, 5: 1}
    assert (c.n, c.total, c.n_flagged) == (2, 6, 0)
    assert t.n == 1  # the original is unchanged


@pytest.mark.parametrize("bad", [0, 6, -1, True, False, 4.0, "4", None])
def test_add_rejects_bad_scores(bad: object) -> None:
    t = Tally()
    with pytest.raises(ValueError):
        t.add(bad)  # type: ignore[arg-type]
    assert t.n == 0 and t.n_flagged == 0


@pytest.mark.parametrize("bounds", [(5, 1), (3, 3), (1.0, 5), (True, 5)])
def test_bad_scales_are_refused(bounds: tuple[object, object]) -> None:
    with pytest.raises(ValueError):
        Tally(*bounds)  # type: ignore[arg-type]


def test_ten_point_and_nps_scales() -> None:
    t = Tally.of([1, 10, 10], 1, 10)
    assert t.counts[10] == 2 and len(t.counts) == 10
    z = Tally.of([0, 10], 0, 10)
    assert z.counts[0] == 1 and len(z.counts) == 11
    with pytest.raises(ValueError, match="outside the scale"):
        Tally.of([0], 1, 10)


def test_counts_is_a_copy() -> None:
    t = Tally.of([5])
    t.counts[5] = 99
    assert t.counts[5] == 1


def test_merge_returns_new_tally_and_leaves_inputs() -> None:
    a = Tally.of([5, 5])
    b = Tally.of([1])
    b.add(2, flagged=True)
    m = a.merge(b)
    assert m == Tally.of([5, 5, 1]).merge(_flagged(2))
    assert a == Tally.of([5, 5]) and b.n == 1
    assert a + b == m


def _flagged(*xs: int) -> Tally:
    t = Tally()
    for x in xs:
        t.add(x, flagged=True)
    return t


def test_update_in_place() -> None:
    a = Tally.of([3])
    a.update(Tally.of([4, 5]))
    assert a == Tally.of([3, 4, 5])
    assert a.total == 12


def test_merge_refuses_other_scale() -> None:
    with pytest.raises(ValueError, match="different scales"):
        Tally().merge(Tally(1, 10))
    with pytest.raises(ValueError, match="different scales"):
        Tally().update(Tally(0, 10))


def test_add_operator_with_non_tally() -> None:
    with pytest.raises(TypeError):
        Tally() + 1  # type: ignore[operator]


def test_equality_by_value() -> None:
    assert Tally.of([1, 2]) == Tally.of([2, 1])
    assert Tally.of([1, 2]) != Tally.of([1, 3])
    assert Tally.of([1]) != _flagged(1)
    assert Tally(1, 5) != Tally(1, 10)


def test_copy_is_independent() -> None:
    a = Tally.of([4])
    b = a.copy()
    b.add(5)
    assert a == Tally.of([4]) and b == Tally.of([4, 5])


def test_to_dict_shape_is_json() -> None:
    t = Tally.of([4, 5, 5])
    t.add(1, flagged=True)
    d = t.to_dict()
    assert d == {
        "scale": [1, 5],
        "counts": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2},
        "flagged": {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert Tally.from_dict(json.loads(json.dumps(d))) == t


def test_from_dict_lenient_on_missing_scores_and_flagged() -> None:
    t = Tally.from_dict({"scale": [1, 5], "counts": {"5": 3}})
    assert t == Tally.of([5, 5, 5])
    assert t.total == 15


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"counts": {}},
        {"scale": [1, 5]},
        {"scale": [5, 1], "counts": {}},
        {"scale": [1], "counts": {}},
        {"scale": ["1", "5"], "counts": {}},
        {"scale": [1, 5], "counts": {"6": 1}},
        {"scale": [1, 5], "counts": {"x": 1}},
        {"scale": [1, 5], "counts": {"2": -1}},
        {"scale": [1, 5], "counts": {"2": 1.5}},
        {"scale": [1, 5], "counts": {"2": True}},
        {"scale": [1, 5], "counts": []},
        {"scale": [1, 5], "counts": {"2": 1, 2: 1}},
        {"scale": [1, 5], "counts": {}, "extra": 1},
    ],
)
def test_from_dict_rejects_malformed(bad: object) -> None:
    with pytest.raises(ValueError):
        Tally.from_dict(bad)  # type: ignore[arg-type]


@given(scores, scores)
def test_merge_equals_whole(a: list[int], b: list[int]) -> None:
    assert Tally.of(a).merge(Tally.of(b)) == Tally.of(a + b)
    assert Tally.of(a).merge(Tally.of(b)).total == sum(a + b)


@given(scores, st.randoms())
def test_order_does_not_matter(a: list[int], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(a)
    rnd.shuffle(shuffled)
    assert Tally.of(shuffled) == Tally.of(a)


@given(scores, scores)
def test_merge_is_commutative(a: list[int], b: list[int]) -> None:
    assert Tally.of(a) + Tally.of(b) == Tally.of(b) + Tally.of(a)


@given(scores, st.lists(st.integers(1, 5), max_size=20))
def test_round_trip(a: list[int], f: list[int]) -> None:
    t = Tally.of(a)
    for x in f:
        t.add(x, flagged=True)
    back = Tally.from_dict(json.loads(json.dumps(t.to_dict())))
    assert back == t
    assert (back.n, back.n_flagged, back.total) == (t.n, t.n_flagged, t.total)


def test_scoring_imports_only_stdlib() -> None:
    pkg = Path(__file__).resolve().parents[2] / "scoring"
    files = sorted(pkg.glob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names, f"{path.name} imports {name}"


def test_from_counts_equals_adding_one_by_one():
    built = Tally.from_counts([2, 0, 1, 0, 3], [1, 0, 0, 0, 0])
    expected = Tally.of([1, 1, 3, 5, 5, 5])
    expected.add(1, flagged=True)
    assert built == expected and built.total == expected.total
    assert Tally.from_counts(list(range(11)), scale_min=0).scale == (0, 10)
    with pytest.raises(ValueError):
        Tally.from_counts([1, -1, 0, 0, 0])
    with pytest.raises(ValueError):
        Tally.from_counts([])
