"""The URL builders rules share in the tests are the ones werkzeug compiles for each (tests/route_builders.py)."""

from __future__ import annotations

import route_builders

from booking import create_app


def test_every_rule_of_a_second_app_builds_with_the_code_werkzeug_compiles_for_it():
    create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown, builder in ((False, rule._build), (True, rule._build_unknown)):
            assert builder.__self__ is rule
            fresh = route_builders._compile(rule, append_unknown)
            assert _made_of(builder.__func__.__code__) == _made_of(fresh.__code__), rule.rule


def _made_of(code) -> tuple:
    names = ("co_code", "co_consts", "co_names", "co_varnames", "co_name", "co_argcount", "co_flags")
    return tuple(getattr(code, name) for name in names)
