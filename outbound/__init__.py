"""Outbound mail: composing, queueing and delivering what onep-inbox sends.

Generated mail is never sent inline: the pipeline queues it in the ``outbox`` table in the same
transaction that records its cause, and :mod:`outbound.outbox` drains the queue through a
:class:`outbound.sender.MailSender` (SMTP, or a directory of ``.eml`` files).
"""
