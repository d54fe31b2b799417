"""How deep a JSON body may nest: no body of this API nests more than a few levels.

Python's JSON decoder recurses once per level, so a body of a thousand ``[`` ran out of stack
(RecursionError, a 500) before anything looked at who sent it. Measured on the raw text, without
decoding it: a body with fewer opening brackets than the limit cannot be too deep, and most are
checked by counting alone.
"""

from __future__ import annotations

import json
import re

from flask import request

from booking.errors import DomainError
from booking.rules import Problem

MAX_JSON_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)  # brackets inside strings do not nest
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(DomainError):
    status = 400
    title = "Bad request"
    code = "too_deep"


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` nests arrays and objects more than ``limit`` deep."""
    try:
        text = body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError):
        return False  # not JSON at all: the parser says so
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def refuse_deep_json() -> None:
    if request.is_json and json_depth_exceeds(request.get_data(cache=True)):
        problem = Problem("body", f"nests more than {MAX_JSON_DEPTH} levels of arrays and objects")
        raise TooDeep(f"body: {problem.message}", problems=[problem])
