"""Bundled word lists of the risk scan (a package so the .txt files ship with it)."""
