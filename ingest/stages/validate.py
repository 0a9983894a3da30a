"""Stage *validate*: each form's problems: what could not be read (from *parse*), the form's own
rules (:func:`parsers.check`: required fields, totals, dates in the fiscal year ...), and an LAO
that could not be identified for certain. Any problem sends the submission to review, and its
Thai sentence goes back to the LAO."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import parsers
from core.enums import ProblemCode
from ingest.identify import Identification
from ingest.work import Work


def run(work: Work) -> Work:
    forms = tuple(
        replace(
            form,
            problems=tuple(
                _problem_json(problem)
                for problem in (*form.reading.problems, *parsers.check(form.reading))
            )
            + _identity_problems(form.identification),
        )
        for form in work.forms
    )
    return replace(work, forms=forms)


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
