"""Certificates: numbering, lint, PDF rendering, the signed VC twin, status lists, verification.

Works on plain data and paths: no database session, no Prefect, no settings object.
"""
