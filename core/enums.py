"""The closed vocabularies of the store: one name for each status, kind and problem code.

Every layer spells a state through these (``SubmissionStatus.ACCEPTED``, never ``"accepted"``);
the database holds their values (``StrEnum``, so a row reads back as the same string) and a CHECK
constraint per column (``storage/migrations``, :func:`check_sql`) refuses anything else. Adding a
value is a change here and a migration that widens the constraint.
"""

from __future__ import annotations

from enum import StrEnum


class MessageState(StrEnum):
    """Where a received message is in the flow (``messages.state``)."""

    STORED = "stored"  # raw bytes committed, waiting to be processed
    PROCESSED = "processed"
    FAILED = "failed"  # a stage raised; ``failed_stage`` and the traceback say where


class MessageKind(StrEnum):
    """Who sent it, as *classify* decides (``messages.kind``; RFC 3834 / RFC 3464)."""

    NORMAL = "normal"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    BULK = "bulk"
    RECEIPT = "receipt"  # a read receipt (RFC 8098 MDN, multipart/report disposition-notification)
    FEEDBACK = "feedback"  # an abuse or spam complaint (RFC 5965 ARF, feedback-report)
    CALENDAR = "calendar"  # an answer to a meeting invitation (text/calendar METHOD:REPLY)
    OWN = "own"  # from our own address, or our own mail come back


#: The kinds that are never answered automatically (everything but a person's mail).
AUTOMATIC_KINDS = frozenset(kind for kind in MessageKind if kind is not MessageKind.NORMAL)


class Outcome(StrEnum):
    """What processing a message found (``messages.outcome``)."""

    FORMS = "forms"
    NO_FORM = "no_form"
    UNREADABLE = "unreadable"
    DUPLICATE = "duplicate"
    AUTOMATIC = "automatic"
    TOO_LARGE = "too_large"
    REDELIVERY = "redelivery"  # the same message delivered again (other trace headers only)
    UNSUPPORTED = "unsupported"  # files in formats we cannot open (.xlsb, .rar, .msg ...)


class AttachmentRole(StrEnum):
    """What a file of a message turned out to be (``attachments.role``)."""

    FORM = "form"
    NOT_FORM = "not_form"
    UNREADABLE = "unreadable"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"


class SubmissionStatus(StrEnum):
    """``submissions.status`` (shared/spec/interface.md)."""

    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


#: Each status in Thai, for people (reports, lists).
STATUS_NAMES = {
    SubmissionStatus.ACCEPTED: "รับแล้ว",
    SubmissionStatus.NEEDS_REVIEW: "รอตรวจสอบ",
    SubmissionStatus.REJECTED: "ไม่รับ (รอฉบับแก้ไข)",
    SubmissionStatus.SUPERSEDED: "มีฉบับใหม่แทน",
}

#: An LAO whose current submission has one of these has reported (``status``; reminders).
REPORTED = frozenset({SubmissionStatus.ACCEPTED, SubmissionStatus.NEEDS_REVIEW})


class OutboxStatus(StrEnum):
    """``outbox.status``."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanently (5xx, or attempts used up)
    SUPPRESSED = "suppressed"  # the loop guard held it back


class ReviewKind(StrEnum):
    """Why a review item waits for a person (``review_items.kind``)."""

    UNKNOWN_SENDER = "unknown_sender"
    UNCERTAIN_LAO = "uncertain_lao"
    UNREADABLE = "unreadable"
    PROBLEMS = "problems"
    QUESTION = "question"


class ReviewState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    """How a review item was settled (``review_items.resolution``)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ANSWERED = "answered"
    CLOSED = "closed"
    AUTO_RESOLVED = "auto_resolved"  # its cause went away (a re-read, a newer submission)


class AddressSource(StrEnum):
    """Where an LAO's address came from (``lao_addresses.source``)."""

    REGISTRY = "registry"
    LEARNED = "learned"  # taught by a reviewer's decision


class StaffRole(StrEnum):
    """What a staff account may do (``users.role``): look, decide on reviews, or everything."""

    VIEWER = "viewer"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class RoundKind(StrEnum):
    """``reminders.kind``."""

    REMINDER = "reminder"
    DIGEST = "digest"


class LaoType(StrEnum):
    """``laos.lao_type``: the form's ``lao_type`` values, and the provincial offices (สถจ.)."""

    PAO = "pao"
    CITY_MUNICIPALITY = "city_municipality"
    TOWN_MUNICIPALITY = "town_municipality"
    SUBDISTRICT_MUNICIPALITY = "subdistrict_municipality"
    SAO = "sao"
    BANGKOK = "bangkok"
    PATTAYA = "pattaya"
    PROVINCIAL_OFFICE = "provincial_office"  # never expected to report; gets the digests


#: The types that report (every LaoType but the provincial office), in the form's order.
REPORTING_TYPES = tuple(t for t in LaoType if t is not LaoType.PROVINCIAL_OFFICE)


class ProblemCode(StrEnum):
    """What can be wrong with a submission (``submissions.problems[].code``).

    The Thai sentence for each is in ``parsers.messages`` (form problems) or written where the
    problem is raised (identity, unreadable files).
    """

    MISSING_REQUIRED = "missing_required"
    MISSING_GREEN_ROWS = "missing_green_rows"
    NOT_A_NUMBER = "not_a_number"
    NOT_INTEGER = "not_integer"
    BAD_AREA = "bad_area"
    BAD_DATE = "bad_date"
    BAD_BOOL = "bad_bool"
    AMBIGUOUS_TICK = "ambiguous_tick"
    BAD_LAO_TYPE = "bad_lao_type"
    BAD_VALUE = "bad_value"
    OUT_OF_RANGE = "out_of_range"
    TOTAL_MISMATCH = "total_mismatch"
    PER_CAPITA_MISMATCH = "per_capita_mismatch"
    DATE_OUT_OF_WINDOW = "date_out_of_window"
    BAD_LAO_CODE = "bad_lao_code"
    UNKNOWN_PROVINCE = "unknown_province"
    BAD_EMAIL = "bad_email"
    BAD_PHONE = "bad_phone"
    PASSWORD_PROTECTED = "password_protected"  # noqa: S105 - a problem code
    CORRUPT_FILE = "corrupt_file"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"  # a file that looked like the form could not be read at all
    SCAN_PARTLY_READ = "scan_partly_read"  # plainly the form (a scan), too few values read
    OCR_BUDGET = "ocr_budget"  # pages over [ocr]'s budget per message were not read
    OCR_FAILED = "ocr_failed"  # Tesseract failed on a page (crash, timeout)
    OCR_UNAVAILABLE = "ocr_unavailable"  # no OCR engine: a scan or photo was not read
    SCAN_ILLEGIBLE = "scan_illegible"  # a page image of paper and ink where no text was read
    HEIC_UNSUPPORTED = "heic_unsupported"  # an iPhone photo, and pillow-heif is not installed
    LAO_UNIDENTIFIED = "lao_unidentified"
    LAO_UNCERTAIN = "lao_uncertain"
    AUTOMATIC_MAIL = "automatic_mail"  # the form came in automatic or bulk mail: a person checks
    DMARC_FAIL = "dmarc_fail"  # the sender's domain is registered, and DMARC failed


#: Problems saying a person must read (part of) a scan: the form's own rules are not applied
#: to what OCR did read, and the LAO is told not to send again.
PERSON_READS = frozenset(
    {
        ProblemCode.SCAN_PARTLY_READ,
        ProblemCode.OCR_BUDGET,
        ProblemCode.OCR_FAILED,
        ProblemCode.OCR_UNAVAILABLE,
        ProblemCode.HEIC_UNSUPPORTED,
    }
)

#: Problems about who sent the form, not about the form: a reviewer settles them.
IDENTITY_PROBLEMS = frozenset({ProblemCode.LAO_UNIDENTIFIED, ProblemCode.LAO_UNCERTAIN})


def person_reads_unreadable(problems: object) -> bool:
    """Whether a file that could not be read was left to a person at ONEP (OCR over budget,
    failed or missing, an iPhone photo, an illegible page), so the LAO must not be asked to send
    it again: every ``unreadable`` problem in ``problems`` has such a ``cause``."""
    if not isinstance(problems, list):
        return False
    unread = [
        p for p in problems if isinstance(p, dict) and p.get("code") == ProblemCode.UNREADABLE
    ]
    left_to_a_person = PERSON_READS | {ProblemCode.SCAN_ILLEGIBLE}
    return bool(unread) and all(p.get("cause") in left_to_a_person for p in unread)


def is_unreadable(problems: object) -> bool:
    """Whether a submission's problem list says its file could not be read."""
    return isinstance(problems, list) and any(
        isinstance(p, dict) and p.get("code") == ProblemCode.UNREADABLE for p in problems
    )


def check_sql(column: str, values: type[StrEnum], *, nullable: bool = False) -> str:
    """The SQL of a CHECK constraint that admits exactly ``values`` in ``column``."""
    listed = ", ".join(f"'{value.value}'" for value in values)
    condition = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition
