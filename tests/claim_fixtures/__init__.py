"""Small evidence fixtures for every claim's judge, one module per chapter.

Each module has FIXTURES: {claim id: [(evidence, verdict kind), ...]}, at least
one case per verdict the judge can return, so every verdict can come out
differently (tests/test_claims.py holds every claim in the ledger to that).
"""
