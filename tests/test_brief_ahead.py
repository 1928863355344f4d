"""Sections computed ahead in a thread of the kernel (issue 16): same results, once each.

Unit tests on a small class with marked methods (order, hand-over, errors, a second call),
then a prepared brief: every section marked for the thread gives the same output with the
thread as without it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pytest
from mineral_briefs import brief
from mineral_briefs.brief.ahead import AHEAD_ATTR, Ahead, computed_ahead


@dataclass
class _Sections:
    """Marked sections that record which thread computed them, and an event to hold one."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    _ahead: Any = None

    def _record(self, name: str) -> tuple[str, str]:
        entry = (name, threading.current_thread().name)
        self.calls.append(entry)
        return entry

    @computed_ahead
    def first(self) -> tuple[str, str]:
        return self._record("first")

    @computed_ahead
    def held(self) -> tuple[str, str]:
        assert self.hold.wait(10), "the test never released the held section"
        return self._record("held")

    @computed_ahead
    def last(self) -> tuple[str, str]:
        return self._record("last")

    @computed_ahead
    def fails(self) -> None:
        raise KeyError("no such market")

    def plain(self) -> str:
        return "not marked"


def test_sections_are_computed_in_the_thread_and_handed_over_once() -> None:
    s = _Sections()
    s.hold.set()
    s._ahead = Ahead(s, ["first", "held", "last"]).start()
    s._ahead.join(10)
    assert [name for name, _ in s.calls] == ["first", "held", "last"]
    assert {thread for _, thread in s.calls} == {"brief-ahead"}
    assert s.first() == ("first", "brief-ahead")
    # NOTE: a second call (a cell run again) computes afresh, in the caller's thread
    assert s.first() == ("first", threading.current_thread().name)
    assert s._ahead.computed == ["first", "held", "last"]


def test_a_cell_that_comes_first_computes_its_section_and_the_thread_skips_it() -> None:
    s = _Sections()
    s._ahead = Ahead(s, ["held", "last"]).start()
    # the thread is inside "held" until released; "last" is still queued
    me = threading.current_thread().name
    assert s.last() == ("last", me)
    s.hold.set()
    s._ahead.join(10)
    assert s.held() == ("held", "brief-ahead")
    assert s.calls.count(("last", me)) == 1
    assert ("last", "brief-ahead") not in s.calls
    assert s._ahead.computed == ["held"]


def test_a_section_that_fails_in_the_thread_raises_in_the_cell_that_asks_for_it() -> None:
    s = _Sections()
    s._ahead = Ahead(s, ["fails", "first"]).start()
    s._ahead.join(10)
    with pytest.raises(KeyError, match="no such market"):
        s.fails()
    assert s.first() == ("first", "brief-ahead")


def test_an_input_set_after_the_thread_started_drops_its_results() -> None:
    s = _Sections()
    s.hold.set()
    s._ahead = Ahead(s, ["first", "last"]).start()
    s._ahead.join(10)
    s.calls = []  # a public input of the brief, set anew (as `brief.mineral = ...` would)
    me = threading.current_thread().name
    assert s.first() == ("first", me)
    assert s.last() == ("last", me)


def test_a_new_thread_stops_the_one_started_before_it() -> None:
    first = _Sections()
    first._ahead = Ahead(first, ["held", "last"]).start()  # busy in "held" until released
    deadline = time.monotonic() + 10
    while first._ahead.computed != ["held"] and time.monotonic() < deadline:
        time.sleep(0.01)
    second = _Sections()
    second.hold.set()
    second._ahead = Ahead(second, ["first"]).start()
    first.hold.set()
    first._ahead.join(10)
    second._ahead.join(10)
    assert first._ahead.computed == ["held"]  # "last" was never started
    assert first.last() == ("last", threading.current_thread().name)
    assert second._ahead.computed == ["first"]


def test_only_marked_sections_can_be_computed_ahead() -> None:
    with pytest.raises(ValueError, match=r"not sections marked computed_ahead: \['plain'\]"):
        Ahead(_Sections(), ["first", "plain"])
    assert not getattr(_Sections.plain, AHEAD_ATTR, False)


def test_without_a_thread_a_marked_section_computes_as_usual() -> None:
    s = _Sections()
    assert s.first() == ("first", threading.current_thread().name)


def test_the_brief_computes_ahead_only_marked_sections_that_it_has() -> None:
    for name in brief.Brief.AHEAD:
        assert getattr(getattr(brief.Brief, name), AHEAD_ATTR, False), name
    # NOTE: the sections the thread must never take: the one waiting for the branch (whose
    # wait it fills), the one that waits for the levers first, and the two that display.
    assert {"summary", "situation", "meta", "data"}.isdisjoint(brief.Brief.AHEAD)


def _output(value: Any) -> Any:
    if isinstance(value, alt.TopLevelMixin):
        return value.to_dict()
    return value


@pytest.mark.parametrize("scenario", ["controls_oct2025", "ndpr_withhold_60"])
def test_a_brief_prepared_ahead_shows_the_same_sections(scenario: str) -> None:
    plain = brief.prepare(scenario, "en")
    ahead = brief.prepare(scenario, "en", ahead=True)
    assert ahead._ahead is not None
    # NOTE: the cells' order: the summary first, while the thread works
    names = ["summary", "situation", *brief.Brief.AHEAD]
    got = {name: _output(getattr(ahead, name)()) for name in names}
    ahead._ahead.join(60)
    assert ahead._ahead.computed, "the thread computed no section"
    want = {name: _output(getattr(plain, name)()) for name in names}
    for name in names:
        assert got[name] == want[name], name
    # NOTE: a copy of the brief (dataclasses.replace, as comparisons do) has no thread: the
    # thread's results belong to the brief it was started for.
    assert dataclasses.replace(ahead, language="de")._ahead is None
