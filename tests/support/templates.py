"""Compiled templates shared by the many apps one test worker makes."""

from __future__ import annotations

from jinja2.bccache import Bucket, BytecodeCache


class CompiledTemplatesInMemory(BytecodeCache):
    """Jinja's compiled code for each template, kept in memory for the worker's life. Jinja
    checks each entry against its template's source before using it, so a changed template
    is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
