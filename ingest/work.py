"""What travels between the stages of :mod:`ingest.pipeline`: frozen values, one per phase.

* :class:`Analysis` — the pure phase (*classify*, *extract*, *parse*): only the message's bytes
  and :class:`Settings`, no database, no clock, so it can run outside any transaction (OCR takes
  seconds a page) and in another process.
* :class:`Work` — the recording phase (*bounce* … *review*): one message in one transaction,
  with the rows the stages write. Each stage returns a new ``Work`` (``dataclasses.replace``);
  a stage that settles the message sets ``done`` and the later ones are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.config import Config, LimitsConfig, OcrConfig
from core.enums import Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    import parsers
    from ingest.attachments import FileItem
    from ingest.classify import Classification
    from ingest.evidence import RegistryView
    from ingest.identify import Identification
    from ingest.mime import ParsedMail
    from outbound.bounces import BounceReport
    from outbound.render import Renderer
    from outbound.replies import Duplicate
    from parsers.ocr import Engine
    from storage.blobs import BlobStore
    from storage.models import Attachment, Message, Submission


@dataclass(frozen=True, slots=True)
class Settings:
    """What the pure stages need from the configuration (and the OCR engine, passed in)."""

    own_addresses: frozenset[str]
    limits: LimitsConfig
    form_version: str
    ocr: Engine | None = None
    authserv_id: str = ""
    """Whose Authentication-Results to believe (``mailbox.authserv_id``; empty: the topmost)."""
    ocr_budget: OcrConfig = field(default_factory=OcrConfig)
    """What OCR may cost per message (``[ocr]``)."""

    @classmethod
    def from_config(cls, config: Config, ocr: Engine | None) -> Settings:
        own = frozenset({config.smtp.from_address.lower(), config.mailbox.username.lower()})
        return cls(
            own,
            config.limits,
            config.campaign.form_version,
            ocr,
            config.mailbox.authserv_id,
            config.ocr,
        )


@dataclass(frozen=True, slots=True)
class ParsedFile:
    item: FileItem
    result: parsers.ReadResult | None
    """None when the file could not even be taken out of the message (``item.problem``)."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """One message as the pure stages see it; each stage fills in its part."""

    raw: bytes
    settings: Settings
    mail: ParsedMail | None = None
    classification: Classification | None = None
    bounce: BounceReport | None = None
    """The delivery-status report, when the message is a bounce."""
    too_large: bool = False
    core_sha256: str | None = None
    """The message without its trace headers (:func:`ingest.trace.core_digest`)."""
    auth: Mapping[str, Any] | None = None
    """Our server's SPF/DKIM/DMARC verdicts (:func:`ingest.trace.read_authentication`)."""
    items: tuple[FileItem, ...] = ()
    files: tuple[ParsedFile, ...] = ()
    done: bool = False
    """Nothing more to read (reports, receipts, calendar answers, our own mail, too large):
    later pure stages are skipped. Auto-replies and bulk mail are read: they may carry a form."""

    @property
    def parsed(self) -> ParsedMail:
        if self.mail is None:
            raise RuntimeError("the classify stage has not run")
        return self.mail

    @property
    def sorted(self) -> Classification:
        if self.classification is None:
            raise RuntimeError("the classify stage has not run")
        return self.classification


@dataclass(frozen=True, slots=True)
class Context:
    """What the recording stages use: one session (one transaction), the clock's one reading."""

    session: Session
    config: Config
    blobs: BlobStore
    renderer: Renderer
    registry: RegistryView
    now: datetime


@dataclass(frozen=True, slots=True)
class Form:
    """One form of the message: the best reading of the files that carry it; ``slot`` is its
    position in the message (``pos:1`` ...), the key of its submission."""

    attachment: Attachment
    reading: parsers.FormReading
    slot: str
    identification: Identification | None = None
    problems: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    attachment: Attachment
    problem: str
    identification: Identification | None = None
    cause: str | None = None  # the reader's problem code (corrupt_file, ocr_budget ...)


@dataclass(frozen=True, slots=True)
class UnsupportedFile:
    """A file in a format we cannot open (yet): the sender is told which, and what to send."""

    attachment: Attachment
    kind: str
    """What it is, as the sender would name it: ``.xlsb``, ``.rar``, ``.msg`` ..."""


@dataclass(frozen=True, slots=True)
class Work:
    """One message in the recording phase."""

    context: Context
    message: Message
    analysis: Analysis
    attachments: tuple[Attachment, ...] = ()
    forms: tuple[Form, ...] = ()
    unreadable: tuple[UnreadableFile, ...] = ()
    unsupported: tuple[UnsupportedFile, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    """Files with exactly the bytes of one an earlier message's submission was read from."""
    linked: Submission | None = None
    submissions: tuple[Submission, ...] = ()
    decided: Mapping[int, str] = field(default_factory=dict)
    """Each submission's status as this reading earned it (before resubmission rules)."""
    outcome: Outcome | None = None
    done: bool = False
