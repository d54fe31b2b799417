""".ics files as calendar apps read them: three independent readers, and a strict RFC 5545 check.

Each reader turns a document into ``{uid: (start, end)}`` in UTC using only what the document
says: the TZIDs are resolved through the document's own VTIMEZONE, never the reader's own copy
of the zone database (a calendar app on another machine has only the file).
- icalendar (Python), with the VTIMEZONE turned into a tzinfo by icalendar itself;
- vobject (Python), as CalDAV servers and older Python tools read files;
- ical.js, Mozilla's reader in Thunderbird and many web calendars, run with node (tests/js).
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import vobject
from icalendar import Calendar

JS = Path(__file__).resolve().parent / "js"
Instants = dict[str, tuple[datetime, datetime]]


def read_with_icalendar(data: bytes) -> Instants:
    calendar = Calendar.from_ical(data)
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in calendar.walk("VTIMEZONE")}

    def instant(prop) -> datetime:
        value = prop.dt
        if "TZID" in prop.params:
            # RFC 5545: a wall time that occurs twice means its first occurrence (fold=0)
            value = value.replace(tzinfo=zones[prop.params["TZID"]], fold=0)
        assert value.tzinfo is not None, "a floating time: no calendar can tell when it is"
        return value.astimezone(UTC)

    return {
        str(event["UID"]): (instant(event["DTSTART"]), instant(event["DTEND"])) for event in calendar.walk("VEVENT")
    }


def read_with_vobject(data: bytes) -> Instants:
    calendar = vobject.readOne(data.decode("utf-8"))
    found = {}
    for event in calendar.contents.get("vevent", []):
        start, end = event.dtstart.value, event.dtend.value
        assert start.tzinfo is not None and end.tzinfo is not None, "a floating time"
        found[event.uid.value] = (start.astimezone(UTC), end.astimezone(UTC))
    return found


def _icaljs_events(*documents: bytes) -> list[list[dict]]:
    """All documents in one node process: a process per document would cost more than the reading."""
    if not (JS / "node_modules" / "ical.js").is_dir():
        raise AssertionError(f"ical.js is not installed: `make test` runs `npm ci` in {JS}")
    texts = json.dumps([data.decode("utf-8") for data in documents]).encode()
    done = subprocess.run(["node", str(JS / "read-ics.mjs")], input=texts, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def read_with_icaljs(*documents: bytes) -> list[Instants]:
    return [
        {
            item["uid"]: (datetime.fromtimestamp(item["start"], UTC), datetime.fromtimestamp(item["end"], UTC))
            for item in events
        }
        for events in _icaljs_events(*documents)
    ]


def read_everywhere(*documents: bytes) -> dict[str, list[Instants]]:
    """``{reader: [{uid: (start, end)} for each document]}``, for the three readers."""
    return {
        "icalendar": [read_with_icalendar(data) for data in documents],
        "vobject": [read_with_vobject(data) for data in documents],
        "ical.js": read_with_icaljs(*documents),
    }


# What a calendar keeps of each event besides its times: which version it holds, and what it says.
Versions = dict[str, tuple[int, str, str]]  # uid -> (SEQUENCE, SUMMARY, STATUS)


def versions_everywhere(*documents: bytes) -> dict[str, list[Versions]]:
    """``{reader: [{uid: (sequence, summary, status)} for each document]}``, for the three readers."""
    icalendar_read = [
        {
            str(e["UID"]): (int(e.get("SEQUENCE", 0)), str(e["SUMMARY"]), str(e.get("STATUS", "")))
            for e in Calendar.from_ical(data).walk("VEVENT")
        }
        for data in documents
    ]
    vobject_read = [
        {
            e.uid.value: (int(e.sequence.value), e.summary.value, e.status.value)
            for e in vobject.readOne(data.decode("utf-8")).contents.get("vevent", [])
        }
        for data in documents
    ]
    icaljs_read = [
        {item["uid"]: (item["sequence"], item["summary"], item["status"]) for item in events}
        for events in _icaljs_events(*documents)
    ]
    return {"icalendar": icalendar_read, "vobject": vobject_read, "ical.js": icaljs_read}


# --- strict RFC 5545 -------------------------------------------------------------------------

_NAME = re.compile(rb"^[A-Za-z0-9-]+[;:]")


def rfc5545_problems(data: bytes) -> list[str]:
    """What a strict reader would refuse: lines, folding, required properties, undefined TZIDs."""
    problems = []
    if not data.endswith(b"\r\n"):
        problems.append("the document does not end with CRLF")
    raw_lines = data.split(b"\r\n")[:-1]
    for number, line in enumerate(raw_lines, 1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {number}: a bare CR or LF")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets, more than 75")
        try:
            line.decode("utf-8")  # each physical line alone: a fold inside a character breaks this
        except UnicodeDecodeError:
            problems.append(f"line {number}: folded inside a UTF-8 character")
        if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line):
            problems.append(f"line {number}: a control character")
    logical: list[bytes] = []
    for line in raw_lines:
        if line[:1] in (b" ", b"\t") and logical:
            logical[-1] += line[1:]
        else:
            logical.append(line)
    for line in logical:
        if not _NAME.match(line):
            problems.append(f"not a content line: {line[:40]!r}")
    problems += _structure_problems(logical)
    return problems


def _structure_problems(lines: list[bytes]) -> list[str]:
    problems, stack, event, defined, used = [], [], None, set(), set()
    for line in lines:
        name, _sep, value = line.partition(b":")
        prop, *params = name.split(b";")
        prop = prop.upper()
        if prop == b"BEGIN":
            stack.append(value)
            if value == b"VEVENT":
                event = set()
        elif prop == b"END":
            if not stack or stack.pop() != value:
                problems.append(f"END:{value.decode()} without its BEGIN")
            if value == b"VEVENT":
                missing = {b"UID", b"DTSTAMP", b"DTSTART"} - event
                if missing:
                    problems.append(f"a VEVENT without {', '.join(sorted(m.decode() for m in missing))}")
                event = None
        else:
            if event is not None:
                event.add(prop)
            if prop == b"TZID" and stack and stack[-1] == b"VTIMEZONE":
                defined.add(value)
            for param in params:
                key, _eq, tzid = param.partition(b"=")
                if key.upper() == b"TZID":
                    used.add(tzid)
    if stack:
        problems.append(f"unclosed components: {stack}")
    for tzid in sorted(used - defined):
        problems.append(f"TZID={tzid.decode()} used but no VTIMEZONE defines it")
    return problems
