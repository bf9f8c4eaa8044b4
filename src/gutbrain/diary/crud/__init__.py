"""Every database statement of the diary: keyword-only create/read/update/delete functions.

Routes, pages and background jobs call these and run no SQL of their own. Each function takes
the SQLAlchemy session first and everything else by keyword, and returns typed objects (ORM
models, dataclasses, schemas or rows with named columns), never dictionaries to rebuild.
Functions that write do not commit: the caller owns the transaction (a route, or a job of the
group-commit writer).
"""
