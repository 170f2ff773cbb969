"""The web layer: one ASGI app (`web.app.create_app`) for the public verification site and the
reviewers' workbench. Routes call `registry/` and the flows; they hold no SQL and no rules."""
