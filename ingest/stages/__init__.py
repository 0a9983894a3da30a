"""The stages of a message, one module each with one function ``run``; the order is
:mod:`ingest.pipeline`'s. Pure stages take and return an :class:`~ingest.work.Analysis`, the
recording stages a :class:`~ingest.work.Work`."""
