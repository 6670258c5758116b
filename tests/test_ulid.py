"""ULIDs: monotonic minting and the window a client-chosen runId's time must fall in."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worldspec.ulid import (
    RUN_ID_FUTURE_WINDOW,
    RUN_ID_PAST_WINDOW,
    MonotonicUlid,
    check_run_id,
    decode_time,
    is_ulid,
    new_ulid,
    successor,
)

NOW = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
MS = timedelta(milliseconds=1)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _digits(number: int) -> str:
    """``number`` as 26 Crockford digits written one at a time: what every ULID must spell."""
    return "".join(CROCKFORD[(number >> 5 * (25 - place)) & 31] for place in range(26))


def test_monotonic_ids_strictly_increase_within_one_millisecond() -> None:
    mint = MonotonicUlid()
    ids = [mint(NOW) for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(is_ulid(ulid) and decode_time(ulid) == NOW for ulid in ids)


def test_monotonic_ids_strictly_increase_when_the_clock_steps_back() -> None:
    mint = MonotonicUlid()
    ids = [mint(NOW), mint(NOW - timedelta(seconds=1)), mint(NOW - timedelta(seconds=2)), mint(NOW + MS)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    assert decode_time(ids[1]) == NOW


def test_monotonic_ids_from_the_wall_clock_and_many_threads() -> None:
    mint = MonotonicUlid()
    minted: list[list[str]] = [[] for _ in range(4)]

    def work(into: list[str]) -> None:
        into.extend(mint() for _ in range(250))

    threads = [threading.Thread(target=work, args=(into,)) for into in minted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({ulid for ids in minted for ulid in ids}) == 1000
    assert all(ids == sorted(ids) for ids in minted)


def test_a_ulid_holds_its_millisecond() -> None:
    assert decode_time(new_ulid(NOW)) == NOW
    assert is_ulid(new_ulid().lower())
    with pytest.raises(ValueError, match="not a ULID"):
        decode_time("8" + "0" * 25)


@pytest.mark.parametrize(
    "text",
    ["", "0" * 25, "0" * 27, "8" + "0" * 25, "0" * 25 + "I", "0" * 25 + "L", "0" * 25 + "O", "0" * 25 + "U"],
)
def test_not_a_ulid(text: str) -> None:
    assert not is_ulid(text)


@pytest.mark.parametrize(
    ("offset", "refusal"),
    [
        (timedelta(), None),
        (-RUN_ID_PAST_WINDOW, None),
        (-RUN_ID_PAST_WINDOW - MS, "in the past"),
        (RUN_ID_FUTURE_WINDOW, None),
        (RUN_ID_FUTURE_WINDOW + MS, "in the future"),
    ],
    ids=["now", "24h-ago", "just-over-24h-ago", "5min-ahead", "just-over-5min-ahead"],
)
def test_check_run_id_windows(offset: timedelta, refusal: str | None) -> None:
    ulid = new_ulid(NOW + offset)
    for run_id in (ulid, f"wrun_{ulid}"):
        reason = check_run_id(run_id, now=NOW)
        if refusal is None:
            assert reason is None
        else:
            assert reason is not None
            assert refusal in reason


def test_check_run_id_refuses_what_is_not_a_ulid() -> None:
    assert check_run_id("wrun_nope", now=NOW) == 'Invalid runId: "wrun_nope" is not a valid ULID'


@given(st.integers(min_value=0, max_value=(1 << 128) - 2))
def test_successor_spells_the_next_number(number: int) -> None:
    assert successor(_digits(number)) == _digits(number + 1)


@given(st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC)))
def test_a_minted_ulid_spells_its_millisecond_in_its_first_ten_digits(at: datetime) -> None:
    millis = int(at.timestamp() * 1000)
    for minted in (new_ulid(at), MonotonicUlid()(at)):
        assert minted[:10] == _digits(millis)[16:]
