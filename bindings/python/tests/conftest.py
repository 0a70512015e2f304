"""Shared fixtures: a fresh context per test (in-memory transport, fast), and
the repository root for files the tests read (the header, symbols.txt,
conformance cases, examples)."""

import pathlib

import pytest

import tfe

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def ctx():
    context = tfe.Context(transport="memory")
    old = tfe.set_context(context)
    yield context
    tfe.set_context(old)
    context.close()
