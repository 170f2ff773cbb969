"""Certificates: numbering, lint, the signed VC twin bound to the printed page, status lists, verification.

Works on plain data and paths: no database session, no Prefect, no settings object.
"""
