"""Stage *validate*: each form's problems: what could not be read (from *parse*), the form's own
rules (:func:`parsers.check`: required fields, totals, dates in the fiscal year ...), an LAO
that could not be identified for certain, a form that came in automatic or bulk mail, and a
sender whose domain is in the registry but failed DMARC at our server (a possible forgery). Any
problem sends the submission to review, and its Thai sentence goes back to the LAO."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select

import parsers
from core.enums import MessageKind, ProblemCode
from ingest.identify import Identification
from ingest.work import Work
from storage.models import LaoAddress


def run(work: Work) -> Work:
    if not work.forms:
        return work
    trust = _trust_problems(work)
    forms = tuple(
        replace(
            form,
            problems=tuple(
                _problem_json(problem)
                for problem in (*form.reading.problems, *parsers.check(form.reading))
            )
            + _identity_problems(form.identification)
            + trust,
        )
        for form in work.forms
    )
    return replace(work, forms=forms)


def _trust_problems(work: Work) -> tuple[Mapping[str, Any], ...]:
    """What about the mail (not the form) a person must check before the form is accepted."""
    problems: list[Mapping[str, Any]] = []
    classification = work.analysis.sorted
    if classification.kind is not MessageKind.NORMAL:
        problems.append(
            {
                "code": ProblemCode.AUTOMATIC_MAIL.value,
                "field": None,
                "value": classification.reason,
                "message_th": "แบบรายงานนี้มากับอีเมลที่ส่งโดยระบบอัตโนมัติ เจ้าหน้าที่ สผ. จะตรวจสอบก่อนรับ",
            }
        )
    auth = work.analysis.auth or {}
    sender = work.analysis.parsed.from_address
    if auth.get("dmarc") == "fail" and sender is not None:
        domain = sender.rpartition("@")[2]
        registered = work.context.session.scalar(
            select(LaoAddress.id).where(LaoAddress.address.like(f"%@{domain}")).limit(1)
        )
        if registered is not None:
            problems.append(
                {
                    "code": ProblemCode.DMARC_FAIL.value,
                    "field": None,
                    "value": domain,
                    "message_th": f"อีเมลนี้ไม่ผ่านการตรวจสอบผู้ส่ง (DMARC) ของโดเมน {domain}"
                    " เจ้าหน้าที่ สผ. จะตรวจสอบว่าส่งมาจาก อปท. จริงก่อนรับแบบรายงาน",
                }
            )
    return tuple(problems)


def _identity_problems(identification: Identification | None) -> tuple[Mapping[str, Any], ...]:
    if identification is None or identification.certain:
        return ()
    code = (
        ProblemCode.LAO_UNIDENTIFIED if not identification.candidates else ProblemCode.LAO_UNCERTAIN
    )
    return (
        {
            "code": code.value,
            "field": "lao_name",
            "value": None,
            "message_th": "ระบบยังระบุไม่ได้แน่ชัดว่าแบบรายงานนี้เป็นของ อปท. ใด ("
            + identification.reason
            + ") เจ้าหน้าที่ สผ. จะตรวจสอบ กรุณาตรวจว่าได้กรอกชื่อ อปท. รหัส อปท. อำเภอ และจังหวัดครบถ้วน",
        },
    )


def _problem_json(problem: parsers.Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "field": problem.field,
        "value": problem.value,
        "message_th": problem.message_th,
    }
