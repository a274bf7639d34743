"""Parse free-text wall-clock training times ("3days", "10-14 days", "27hrs 40mins").

Only *durations* become seconds. Step or iteration counts ("160k iterations"),
throughputs ("14.9 fps", "1710 word/s"), device-time totals ("10 GPU days", which need
the device count) and per-epoch times without an epoch count cannot be turned into a
wall-clock duration and are rejected with the reason.
"""

from __future__ import annotations

import re

_UNIT_SECONDS: dict[str, float] = {
    "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "week": 604800.0, "weeks": 604800.0,
}
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))
# "3days", "3.5 days", "10-14 days", "2 ~ 3 weeks", "10-35 hour"
_TERM = re.compile(rf"({_NUMBER})\s*(?:(?:-|~|to)\s*({_NUMBER})\s*)?({_UNIT})\b")
_PER_EPOCH = re.compile(r"\bper\s*ep\w*|/\s*epoch", re.IGNORECASE)
_NOT_DURATION = re.compile(
    r"iteration|iter\b|steps?\b|fps|/s\b|per\s*second|samples|sents|sentences|word|imgs"
    r"|faster|batch",
    re.IGNORECASE,
)
_DEVICE_TIME = re.compile(r"\b(gpu|tpu)\s*-?\s*(days?|hours?|hrs?)|\bgpu(days|hours)", re.I)


class TimeParseError(ValueError):
    """A free-text time is not a wall-clock duration; the message says why."""


def parse_duration(text: str, *, epochs: float | None = None) -> float:
    """Turn a free-text training time into seconds.

    Parameters
    ----------
    text : str
        E.g. ``"3days"``, ``"151.5 hours"``, ``"10-14 days"`` (a range gives its
        midpoint), ``"27hrs 40mins"`` (terms are added), ``"36000"`` (a bare number is
        seconds), ``"24 minutes per epoch"`` (needs ``epochs``).
    epochs : float, optional
        Number of epochs, used only for per-epoch times.

    Returns
    -------
    float
        Seconds, > 0.

    Raises
    ------
    TimeParseError
        For empty text, step/iteration counts, throughputs, device-time totals, per-epoch
        times without ``epochs``, or anything else that is not a duration.

    Examples
    --------
    >>> parse_duration("3days")
    259200.0
    >>> parse_duration("10-14 days")
    1036800.0
    >>> parse_duration("24 minutes per epoch", epochs=12.5)
    18000.0
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise TimeParseError("empty time")
    if _NOT_DURATION.search(cleaned):
        raise TimeParseError(f"{text!r} is a step count or a throughput, not a duration")
    if _DEVICE_TIME.search(cleaned):
        raise TimeParseError(f"{text!r} is device-time (needs the device count), "
                             "not wall-clock time")
    if re.fullmatch(_NUMBER, cleaned):
        seconds = float(cleaned)
    else:
        per_epoch = bool(_PER_EPOCH.search(cleaned))
        body = _PER_EPOCH.sub(" ", cleaned).strip()
        terms = list(_TERM.finditer(body))
        leftover = _TERM.sub(" ", body).strip(" ,+")
        if not terms or leftover:
            raise TimeParseError(f"{text!r} is not a recognisable duration")
        seconds = 0.0
        for term in terms:
            low = float(term.group(1))
            high = float(term.group(2)) if term.group(2) else low
            seconds += 0.5 * (low + high) * _UNIT_SECONDS[term.group(3)]
        if per_epoch:
            if epochs is None or not epochs > 0:
                raise TimeParseError(f"{text!r} is a per-epoch time and the epoch count "
                                     "is missing")
            seconds *= epochs
    if not seconds > 0:
        raise TimeParseError(f"{text!r} is not a positive duration")
    return seconds
