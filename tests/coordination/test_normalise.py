from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kaizen_actors.coordination import choice_of, majority, normalise


def test_normalise_strips_casefolds_and_collapses_whitespace() -> None:
    assert normalise("  Yes,\n it IS  prime. ") == "yes, it is prime"
    assert normalise({"b": "X ", "a": 1}) == normalise({"a": 1, "b": "x"})
    assert normalise(3) == "3" and normalise(True) == "true"


def test_choice_of_uses_the_only_field_the_whole_output_or_a_key() -> None:
    assert choice_of({"answer": "Yes"}) == "yes"
    assert choice_of({"answer": "Yes", "why": "a"}) != choice_of({"answer": "Yes", "why": "b"})
    assert choice_of({"answer": "Yes", "why": "a"}, "answer") == "yes"
    assert choice_of({"n": 4}, lambda out: out["n"] % 2 == 0) == "true"


@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1))
def test_majority_is_the_most_frequent_choice_ties_to_the_first_given(choices: list[str]) -> None:
    winner, tally, first = majority(choices)
    top = max(tally.values())
    assert tally[winner] == top
    assert choices.index(winner) == min(choices.index(c) for c, n in tally.items() if n == top)
    assert choices[first] == winner and sum(tally.values()) == len(choices)
