"""Keyword-only create/read/update/delete functions; the routes call these and nothing else.

Each function takes the SQLAlchemy session first and everything else by keyword. Functions that
write do not commit: the caller owns the transaction (a route, or a job of the group-commit
writer).
"""
