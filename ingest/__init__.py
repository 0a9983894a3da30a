"""onep-inbox: ingestion service for the onep.uem@onep.go.th report mailbox.

The flow of one message is listed in :mod:`ingest.pipeline`; ``docs/FLOW.md`` draws it.
"""
