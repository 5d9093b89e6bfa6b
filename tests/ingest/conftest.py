"""Fixtures of the ingest tests."""

from __future__ import annotations

import pytest


def _pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF file of the given object bodies, numbered from 1 (object 1 is the catalog), with
    its cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="session")
def pdf_from_objects():
    """``pdf_from_objects([body, ...])``: the bytes of a PDF made of those objects."""
    return _pdf_from_objects
