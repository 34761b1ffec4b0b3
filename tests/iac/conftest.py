"""Fixtures for the IaC proofs; the helpers live in iac_support.py, so test modules import them by a name no other
test folder uses (a bare `from conftest import` picks whichever conftest was imported first)."""

from iac_support import *  # noqa: F403  (fixtures must be names in this module for pytest to find them)
