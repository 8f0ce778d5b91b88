"""The article's claims, one module per chapter (ch1 ... ch5), each a list CLAIMS of ledger.Claim.

A judge reads only the evidence its experiment returned, so every verdict can
come out either way; tests/test_claims_*.py give each judge small evidence
fixtures for every verdict it can return.
"""
