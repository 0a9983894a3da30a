"""Storage: the database (SQLAlchemy 2 + Alembic) and the content-addressed raw store.

Everything the service knows lives here: raw messages and attachments on disk
(:mod:`storage.blobs`), rows for messages, submissions, the LAO registry and the outbox
(:mod:`storage.models`), and the queries that the CLI (and later the dashboard) ask
(:mod:`storage.queries`). Nothing in this package talks to a mail server.
"""
