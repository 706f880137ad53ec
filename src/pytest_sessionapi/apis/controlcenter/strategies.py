"""Hypothesis strategies for the Control Center suite: ICCIDs, malformed ICCIDs, apiVersions, and
the Schemathesis cases generated from the bundled OpenAPI document."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from .client import CURRENT_API_VERSION
from .schemathesis_checks import operation
from .sessions import TargetDevices


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass the Luhn check (ISO/IEC 7812)."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:  # doubled: these become the odd positions once the check digit is added
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


@st.composite
def iccids(draw: st.DrawFn, lengths: tuple[int, ...] = (19, 20)) -> str:
    """ICCIDs of 19 or 20 digits, half with a valid Luhn digit and half without (the vendor's own
    sample fails Luhn, so both must be treated alike)."""
    length = draw(st.sampled_from(lengths))
    payload = draw(st.text(string.digits, min_size=length - 1, max_size=length - 1))
    check = luhn_check_digit(payload)
    if draw(st.booleans()):
        return payload + check
    return payload + draw(st.sampled_from([d for d in string.digits if d != check]))


# Characters that keep the ICCID one literal path segment on any server: no '/', '%', '.',
# nothing a proxy or framework would normalise before the application sees it.
_SEGMENT_SAFE = string.ascii_letters + string.digits + "-_"


def malformed_iccids() -> st.SearchStrategy[str]:
    """Strings that are not ICCIDs: letters, wrong lengths, a letter inside a 19-digit ICCID."""
    wrong_length = st.one_of(st.integers(1, 17), st.integers(23, 32)).flatmap(
        lambda n: st.text(string.digits, min_size=n, max_size=n)
    )
    with_letters = st.text(_SEGMENT_SAFE, min_size=1, max_size=30).filter(lambda s: not s.isdigit())
    one_letter = st.tuples(
        st.text(string.digits, min_size=19, max_size=19), st.integers(0, 18), st.sampled_from("ABCDEFXYZabcdefxyz")
    ).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :])
    return st.one_of(wrong_length, with_letters, one_letter)


def other_api_versions() -> st.SearchStrategy[str]:
    """apiVersion values other than the current '1': other numbers, '01', '1.0', words."""
    numbers = st.integers(0, 10_000).filter(lambda n: n != 1).map(str)
    spelled = st.sampled_from(["01", "1.0", "1.1", "v1", "V1", "x", "latest", "2beta", "1a", "-1"])
    free = st.text(string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=8)
    return st.one_of(numbers, spelled, free).filter(lambda v: v != CURRENT_API_VERSION)


def generated_cases(device_iccids: Sequence[str]) -> st.SearchStrategy[Any]:
    """Schemathesis cases of Get Session Details from openapi.json; when the target names
    devices (``device_iccids``), about half of the cases ask for one of them with apiVersion 1,
    so the rules on a device's state run on generated requests too."""
    strategies = [operation().as_strategy()]
    if device_iccids:
        strategies.append(
            st.sampled_from(list(device_iccids)).flatmap(
                lambda iccid: operation().as_strategy(path_parameters={"iccid": iccid, "apiVersion": 1})
            )
        )
    return st.one_of(*strategies)


def known_and_unknown_iccids(devices: TargetDevices) -> st.SearchStrategy[str]:
    """The ICCIDs of the target's devices and those it holds no device for."""
    return st.sampled_from(devices.iccids + list(devices.unknown))
