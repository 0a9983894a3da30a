"""Reminders and provincial digests: who is due what at a moment (``remind``, and ``run``).

Beside the message flow, not in it: nothing here reads mail. :func:`plan` looks at the LAOs, their
current submissions, the reminders already sent and the failing addresses, and says what is due
at ``now``; :func:`outbound.reminder_mail.queue` renders it and puts it in the outbox, ``send``
delivers it. The calendar (:mod:`outbound.schedule`) and the decision (:func:`decide`) are
pure: a config, a clock value and a :class:`CampaignState` in, values out.

The rules (``[campaign]`` in the config; shared/spec/interface.md):

* A reminder round is due from 00:00 (Asia/Bangkok) of ``deadline - d`` for each
  ``reminder_days_before`` and of ``deadline + d`` for each ``reminder_days_after``. Mail goes
  out only inside ``send_window`` (start included, end excluded) and, with
  ``working_days_only``, Monday to Friday. A round due outside that goes out at the next allowed
  moment, unless a later round has become due by then: the round in effect is always the
  latest one due, so an LAO gets one reminder, not two. Rounds before the deadline end with the
  deadline day (a "before" reminder is never sent after the deadline).
* Targets: LAOs (not provincial offices) whose current submission is not accepted or
  needs_review (the ``status`` definition of "missing"; a form waiting in review without an
  LAO counts for the one LAO its sender's address is registered to:
  :func:`storage.queries.pending_by_sender`), at every address not marked failing
  (:mod:`outbound.bounces`); an LAO whose addresses all fail, or that has none, is skipped and
  reported. Never more than ``reminder_max`` reminders to one LAO, never two closer than
  ``reminder_min_interval_days`` (exact: 2 days = 48 hours).
* From ``deadline + escalate_after_days``, a digest every 7 days to each province's สถจ.
  (``provincial_office`` addresses) listing its missing LAOs by name and code; the same window
  rule applies, and only the current week's digest goes out.
* The campaign ends: after ``campaign.end`` (default: deadline + 60 days) no reminder, digest
  or escalation is planned, and none while ``campaign.paused``; acknowledgements still go out.
* Queueing what is planned is :mod:`outbound.reminder_mail` (idempotent by keys); the calendar
  is :mod:`outbound.schedule`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import CampaignConfig
from core.dates import BANGKOK, thai_date, thai_datetime
from core.enums import REPORTED, LaoType, RoundKind
from outbound.schedule import Round, current_digest, current_round, in_window, next_allowed
from storage.models import Lao, LaoAddress, Reminder, Submission
from storage.queries import current_submission_ids, pending_by_sender

DIGEST_EVERY = timedelta(days=7)
_CHUNK = 900

SkipReason = Literal["no_address", "all_failing", "max_reached", "too_soon", "no_office"]


# --- the state and the decision (pure) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaoRef:
    code: str
    name: str
    province: str
    district: str | None
    lao_type: str


@dataclass(frozen=True, slots=True)
class SubmissionRef:
    receipt_no: str | None
    status: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class AddressState:
    address: str
    failing: bool


@dataclass(frozen=True, slots=True)
class SentRound:
    key: str
    kind: RoundKind
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class LaoState:
    lao: LaoRef
    current: SubmissionRef | None
    """The current submission (latest not superseded), whatever its status."""
    addresses: tuple[AddressState, ...]
    sent: tuple[SentRound, ...] = ()

    @property
    def submitted(self) -> bool:
        return self.current is not None and self.current.status in REPORTED

    @property
    def working(self) -> tuple[str, ...]:
        return tuple(a.address for a in self.addresses if not a.failing)


@dataclass(frozen=True, slots=True)
class CampaignState:
    laos: tuple[LaoState, ...]
    """Every LAO and provincial office of the registry."""


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    round: Round
    lao: LaoRef
    addresses: tuple[str, ...]
    reminder_no: int
    """1 for the first reminder this LAO gets."""
    last_submission: SubmissionRef | None
    """A current submission that is not (or no longer) counted, e.g. rejected."""


@dataclass(frozen=True, slots=True)
class MissingLao:
    code: str
    name: str
    district: str | None
    lao_type: str
    unreachable: bool
    """No address, or every address failing: the สถจ. is asked for a working one."""


@dataclass(frozen=True, slots=True)
class PlannedDigest:
    round: Round
    office: LaoRef
    addresses: tuple[str, ...]
    missing: tuple[MissingLao, ...]
    total: int
    submitted: int


@dataclass(frozen=True, slots=True)
class Skipped:
    code: str
    name: str
    reason: SkipReason
    detail: str


_SKIP_TEXT: Mapping[SkipReason, str] = {
    "no_address": "ไม่มีอีเมลในทะเบียน / no address in the registry",
    "all_failing": "ทุกอีเมลส่งไม่ถึง / every address is failing",
    "max_reached": "ครบจำนวนการแจ้งเตือนสูงสุดแล้ว / reminder_max reached",
    "too_soon": "ยังไม่ครบระยะห่างขั้นต่ำ / within reminder_min_interval_days of the last one",
    "no_office": "ไม่มี สถจ. หรืออีเมลของ สถจ. ใช้ไม่ได้ / no provincial office address",
}
_LISTED_SKIPS: frozenset[SkipReason] = frozenset({"no_address", "all_failing", "no_office"})


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What is due at ``now``: the mails :func:`queue` would send, and who is skipped and why."""

    now: datetime
    deadline: date
    reminder_max: int
    allowed: bool
    """Inside the send window on an allowed day."""
    next_allowed: datetime
    round: Round | None
    digest_round: Round | None
    reminders: tuple[PlannedReminder, ...] = ()
    digests: tuple[PlannedDigest, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    already: int = 0
    """LAOs and offices that already had the round in effect."""
    stopped: str | None = None
    """Why nothing at all is planned: the campaign has ended, or is paused."""

    def chunks(self, size: int) -> Iterator[ReminderPlan]:
        """The same plan in parts of at most ``size`` LAOs and offices, to queue one
        transaction each (a whole round is a few thousand rows; SQLite has one writer)."""
        items: list[PlannedReminder | PlannedDigest] = [*self.reminders, *self.digests]
        for start in range(0, max(len(items), 1), size):
            part = items[start : start + size]
            yield replace(
                self,
                reminders=tuple(i for i in part if isinstance(i, PlannedReminder)),
                digests=tuple(i for i in part if isinstance(i, PlannedDigest)),
                skipped=self.skipped if start == 0 else (),
            )

    @property
    def mail_count(self) -> int:
        return sum(len(r.addresses) for r in self.reminders) + sum(
            len(d.addresses) for d in self.digests
        )

    def lines(self) -> list[str]:
        """One line per mail, then the skipped LAOs and a summary (for ``remind --dry-run``)."""
        out: list[str] = []
        for reminder in self.reminders:
            lao = reminder.lao
            for address in reminder.addresses:
                out.append(
                    f"reminder {reminder.round.key}: {lao.code} {lao.name} ({lao.province}) -> "
                    f"{address} | แจ้งเตือนครั้งที่ {reminder.reminder_no} / reminder "
                    f"{reminder.reminder_no}"
                )
        for digest in self.digests:
            office = digest.office
            for address in digest.addresses:
                out.append(
                    f"digest {digest.round.key}: {office.code} {office.name} -> {address} | "
                    f"อปท. ยังไม่ส่ง {len(digest.missing)} แห่ง / {len(digest.missing)} LAOs "
                    "missing"
                )
        for skipped in self.skipped:
            if skipped.reason in _LISTED_SKIPS:
                out.append(f"skip: {skipped.code} {skipped.name} | {skipped.detail}")
        out.append(self.summary())
        return out

    def summary(self) -> str:
        when = thai_datetime(self.now)
        if self.stopped is not None:
            return f"{when}: {self.stopped}"
        if not self.allowed:
            return (
                f"{when}: นอกช่วงเวลาส่ง / outside the send window; "
                f"next allowed: {thai_datetime(self.next_allowed)}"
            )
        counts = Counter(s.reason for s in self.skipped)
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items())) or "none"
        rounds = f"round {self.round.key if self.round else 'none'}, digest " + (
            self.digest_round.key if self.digest_round else "none"
        )
        return (
            f"{when}: {rounds}: {self.mail_count} mails, {len(self.reminders)} LAOs reminded, "
            f"{len(self.digests)} digests; already done {self.already}; skipped: {skipped}"
        )


def decide(campaign: CampaignConfig, now: datetime, state: CampaignState) -> ReminderPlan:
    """What is due at ``now`` (tz-aware) given ``state``. Pure."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    allowed = in_window(campaign, now)
    round_ = current_round(campaign, now)
    digest_round = current_digest(campaign, now)
    base = ReminderPlan(
        now=now,
        deadline=campaign.deadline,
        reminder_max=campaign.reminder_max,
        allowed=allowed,
        next_allowed=next_allowed(campaign, now),
        round=round_,
        digest_round=digest_round,
    )
    last_day = campaign.last_day()
    if now.astimezone(BANGKOK).date() > last_day:
        return replace(
            base,
            stopped=f"การรณรงค์สิ้นสุดแล้วเมื่อ {thai_date(last_day)} / the campaign ended "
            f"{last_day.isoformat()} (campaign.end): no reminders or digests",
        )
    if campaign.paused:
        return replace(
            base,
            stopped="หยุดการแจ้งเตือนชั่วคราว / paused (campaign.paused): no reminders or digests",
        )
    if not allowed:
        return base
    reminders: list[PlannedReminder] = []
    skipped: list[Skipped] = []
    already = 0
    laos = [s for s in state.laos if s.lao.lao_type != LaoType.PROVINCIAL_OFFICE]
    if round_ is not None:
        interval = timedelta(days=campaign.reminder_min_interval_days)
        for lao_state in laos:
            if lao_state.submitted:
                continue
            sent = [s for s in lao_state.sent if s.kind == RoundKind.REMINDER]
            if any(s.key == round_.key for s in sent):
                already += 1
                continue
            reason: SkipReason | None = None
            if len(sent) >= campaign.reminder_max:
                reason = "max_reached"
            elif sent and now - max(s.queued_at for s in sent) < interval:
                reason = "too_soon"
            elif not lao_state.addresses:
                reason = "no_address"
            elif not lao_state.working:
                reason = "all_failing"
            if reason is not None:
                skipped.append(_skip(lao_state.lao, reason))
                continue
            current = lao_state.current
            reminders.append(
                PlannedReminder(
                    round=round_,
                    lao=lao_state.lao,
                    addresses=lao_state.working,
                    reminder_no=len(sent) + 1,
                    last_submission=current,
                )
            )
    digests: list[PlannedDigest] = []
    if digest_round is not None:
        digests, digest_skips, digest_already = _digests(digest_round, state, laos)
        skipped.extend(digest_skips)
        already += digest_already
    return ReminderPlan(
        now=now,
        deadline=campaign.deadline,
        reminder_max=campaign.reminder_max,
        allowed=True,
        next_allowed=base.next_allowed,
        round=round_,
        digest_round=digest_round,
        reminders=tuple(reminders),
        digests=tuple(digests),
        skipped=tuple(skipped),
        already=already,
    )


def _digests(
    digest_round: Round, state: CampaignState, laos: Sequence[LaoState]
) -> tuple[list[PlannedDigest], list[Skipped], int]:
    offices = {s.lao.province: s for s in state.laos if s.lao.lao_type == LaoType.PROVINCIAL_OFFICE}
    by_province: dict[str, list[LaoState]] = defaultdict(list)
    for lao_state in laos:
        by_province[lao_state.lao.province].append(lao_state)
    digests: list[PlannedDigest] = []
    skipped: list[Skipped] = []
    already = 0
    for province in sorted(by_province):
        members = by_province[province]
        missing = [s for s in members if not s.submitted]
        if not missing:
            continue
        office = offices.get(province)
        if office is None or not office.working:
            ref = office.lao if office is not None else None
            skipped.append(
                Skipped(
                    code=ref.code if ref else "-",
                    name=ref.name if ref else f"จังหวัด{province}",
                    reason="no_office",
                    detail=f"{_SKIP_TEXT['no_office']}: {len(missing)} missing in {province}",
                )
            )
            continue
        if any(s.key == digest_round.key for s in office.sent):
            already += 1
            continue
        digests.append(
            PlannedDigest(
                round=digest_round,
                office=office.lao,
                addresses=office.working,
                missing=tuple(
                    MissingLao(
                        code=s.lao.code,
                        name=s.lao.name,
                        district=s.lao.district,
                        lao_type=s.lao.lao_type,
                        unreachable=not s.working,
                    )
                    for s in sorted(missing, key=lambda s: (s.lao.district or "", s.lao.code))
                ),
                total=len(members),
                submitted=len(members) - len(missing),
            )
        )
    return digests, skipped, already


def _skip(lao: LaoRef, reason: SkipReason) -> Skipped:
    return Skipped(code=lao.code, name=lao.name, reason=reason, detail=_SKIP_TEXT[reason])


# --- reading the state, queueing ----------------------------------------------------------


def load_state(session: Session) -> CampaignState:
    """The registry, current submissions, addresses and reminders sent, in a few queries."""
    addresses: dict[str, list[AddressState]] = defaultdict(list)
    for code, address, failing_since in session.execute(
        select(LaoAddress.lao_code, LaoAddress.address, LaoAddress.failing_since).order_by(
            LaoAddress.lao_code, LaoAddress.id
        )
    ):
        addresses[code].append(AddressState(address.lower(), failing_since is not None))
    current: dict[str, SubmissionRef] = {}
    ids = current_submission_ids(session)
    pending = pending_by_sender(session)
    by_id = {sub_id: code for code, sub_id in ids.items()}
    pending_ids = {sub_id: code for code, sub_id in pending.items()}
    found: dict[int, SubmissionRef] = {}
    for chunk in _chunks(sorted({*by_id, *pending_ids}), _CHUNK):
        for sub_id, receipt_no, status, received_at in session.execute(
            select(
                Submission.id, Submission.receipt_no, Submission.status, Submission.received_at
            ).where(Submission.id.in_(chunk))
        ):
            found[sub_id] = SubmissionRef(receipt_no, status, received_at)
    for sub_id, code in by_id.items():
        current[code] = found[sub_id]
    for sub_id, code in pending_ids.items():
        # a form waiting in review without an LAO, sent from this LAO's own address: reported,
        # pending review (never chased), unless its own current submission already counts
        if code not in current or current[code].status not in REPORTED:
            current[code] = found[sub_id]
    sent: dict[str, list[SentRound]] = defaultdict(list)
    for code, key, kind, queued_at in session.execute(
        select(Reminder.lao_code, Reminder.round_key, Reminder.kind, Reminder.queued_at)
    ):
        sent[code].append(SentRound(key, RoundKind(kind), queued_at))
    laos = tuple(
        LaoState(
            lao=LaoRef(code, name, province, district, lao_type),
            current=current.get(code),
            addresses=tuple(addresses.get(code, ())),
            sent=tuple(sent.get(code, ())),
        )
        for code, name, province, district, lao_type in session.execute(
            select(Lao.code, Lao.name, Lao.province, Lao.district, Lao.lao_type).order_by(Lao.code)
        )
    )
    return CampaignState(laos=laos)


def plan(session: Session, campaign: CampaignConfig, now: datetime) -> ReminderPlan:
    """What :func:`queue` would send at ``now``; reads only (``remind --dry-run``). Paused
    by ``campaign.paused`` in the file or by the dashboard's switch (:mod:`storage.settings`)."""
    from storage.settings import campaign_paused

    if not campaign.paused and campaign_paused(session, campaign.paused):
        campaign = dataclasses.replace(campaign, paused=True)
    return decide(campaign, now, load_state(session))


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
