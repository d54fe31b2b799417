"""Compiled templates shared by the apps of one test worker (a Jinja bytecode cache in memory).

Each test builds its own app, so its own Jinja environment, which compiled again every template
it rendered: parsing, code generation and Python's compile() for each page, mail and macro file,
in every test. The code is what the environment makes of the source, so it is shared only between
environments that compile alike (delimiters, whitespace handling, extensions, autoescaping...),
and only for the same source (Jinja's checksum).
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache

# the Environment settings the compiler reads (jinja2/compiler.py, lexer.py, ext.py)
COMPILED_BY = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
    "is_async", "newstyle_gettext",
)  # fmt: skip


class TemplateCode(BytecodeCache):
    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, object]] = {}  # key -> (source checksum, code)

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = repr((_compiling(environment), self.get_cache_key(name, filename)))
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self.codes.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


def _compiling(environment: Environment) -> tuple:
    """What the environment's compiler makes its code from, besides the source."""
    autoescape = environment.autoescape
    finalize = environment.finalize
    return (
        tuple(getattr(environment, name, None) for name in COMPILED_BY),
        tuple(sorted(environment.extensions)),
        environment.policies.get("ext.i18n.trimmed"),
        # Flask's autoescape is a method of each app: the function decides, from the template's name
        getattr(autoescape, "__func__", autoescape),
        getattr(finalize, "__func__", finalize),
    )
