"""Thai sentences for problems: what is wrong and what the LAO should do.

Place in the flow: ``parsers.extract`` (values that could not be read), ``parsers.validate``
(rules) and ``parsers.read_attachment`` (unreadable files) build every Problem through
:func:`problem`, so the acknowledgement speaks with one voice. Placeholders: ``{label}`` (the
field's label on the form), ``{value}`` (as read), and rule-specific ones.
"""

from __future__ import annotations

from parsers.results import Problem

MESSAGES_TH: dict[str, str] = {
    "missing_required": "ไม่พบ “{label}” ในแบบรายงาน กรุณากรอก “{label}” แล้วส่งแบบรายงานมาอีกครั้ง",
    "missing_green_rows": (
        "ไม่พบข้อมูลพื้นที่สีเขียวในส่วนที่ 2 กรุณากรอกจำนวนแห่งและพื้นที่ของพื้นที่สีเขียว"
        "อย่างน้อยหนึ่งประเภทแล้วส่งแบบรายงานมาอีกครั้ง"
    ),
    "not_a_number": "“{label}” ต้องเป็นตัวเลข แต่ในแบบรายงานกรอกไว้ว่า “{value}” กรุณาแก้ไขเป็นตัวเลข",
    "not_integer": "“{label}” ต้องเป็นจำนวนเต็ม แต่ในแบบรายงานกรอกไว้ว่า “{value}” กรุณาแก้ไขเป็นจำนวนเต็ม",
    "bad_area": (
        "อ่าน “{label}” ไม่ได้ (กรอกไว้ว่า “{value}”) กรุณากรอกเป็นตัวเลขพร้อมหน่วย เช่น 7,200 ตร.ม. หรือ 4-2-0 ไร่"
    ),
    "bad_date": "อ่าน “{label}” ไม่ได้ (กรอกไว้ว่า “{value}”) กรุณากรอกวันที่ เช่น 30 ก.ย. 2564",
    "bad_bool": "อ่านคำตอบของ “{label}” ไม่ได้ (กรอกไว้ว่า “{value}”) กรุณาระบุว่า “มี” หรือ “ไม่มี”",
    "ambiguous_tick": ("“{label}” ทำเครื่องหมายไว้ทั้งช่อง “มี” และ “ไม่มี” กรุณาทำเครื่องหมายเพียงช่องเดียว"),
    "bad_lao_type": (
        "อ่านประเภท อปท. จาก “{value}” ไม่ได้ กรุณาระบุเป็น อบจ. ทน. ทม. ทต. อบต. กทม. หรือเมืองพัทยา"
    ),
    "bad_value": "อ่านค่าของ “{label}” ไม่ได้ (กรอกไว้ว่า “{value}”) กรุณาตรวจสอบและแก้ไข",
    "out_of_range": (
        "“{label}” มีค่า {value} ซึ่งอยู่นอกช่วงที่เป็นไปได้ ({bounds}) กรุณาตรวจสอบตัวเลขและหน่วยอีกครั้ง"
    ),
    "total_mismatch": (
        "พื้นที่สีเขียวรวมที่กรอกไว้ ({value} ตร.ม.) ไม่ตรงกับผลรวมของพื้นที่สีเขียวแต่ละประเภท "
        "({expected} ตร.ม.) กรุณาตรวจสอบและแก้ไขให้ตรงกัน"
    ),
    "per_capita_mismatch": (
        "พื้นที่สีเขียวต่อประชากรที่กรอกไว้ ({value} ตร.ม./คน) ไม่ตรงกับพื้นที่สีเขียวรวมหารด้วย"
        "จำนวนประชากร ({expected} ตร.ม./คน) กรุณาตรวจสอบตัวเลขอีกครั้ง"
    ),
    "date_out_of_window": (
        "“{label}” ({date_th}) ไม่อยู่ในช่วงปีงบประมาณ พ.ศ. {fiscal_year} "
        "({start_th} – {end_th}) กรุณาตรวจสอบวันที่อีกครั้ง"
    ),
    "bad_lao_code": "รหัส อปท. “{value}” ไม่ถูกต้อง รหัส อปท. เป็นตัวเลข 7 หลัก กรุณาตรวจสอบ",
    "unknown_province": "ไม่พบจังหวัด “{value}” ในรายชื่อ 77 จังหวัด กรุณาตรวจสอบการสะกดชื่อจังหวัด",
    "bad_email": "อีเมล “{value}” ไม่อยู่ในรูปแบบที่ถูกต้อง กรุณาตรวจสอบ",
    "bad_phone": "หมายเลขโทรศัพท์ “{value}” มีจำนวนหลักไม่ถูกต้อง กรุณาตรวจสอบ",
    "password_protected": ("ไฟล์มีรหัสผ่าน ระบบจึงเปิดอ่านแบบรายงานไม่ได้ กรุณายกเลิกรหัสผ่านแล้วส่งไฟล์มาอีกครั้ง"),
    "corrupt_file": ("ไฟล์เสียหายหรือเปิดอ่านไม่ได้ กรุณาเปิดไฟล์ตรวจสอบ บันทึกใหม่ แล้วส่งมาอีกครั้ง"),
    "too_large": "ไฟล์มีขนาดใหญ่เกินกว่าที่ระบบรับได้ กรุณาส่งเฉพาะแบบรายงานมาอีกครั้ง",
    # Scans and photos: the LAO sent its form; a person at ONEP reads what OCR could not.
    "scan_partly_read": (
        "ได้รับแบบรายงานที่เป็นภาพสแกนหรือภาพถ่ายแล้ว แต่ระบบอ่านข้อมูลได้ไม่ครบ เจ้าหน้าที่ สผ. จะอ่าน"
        "และบันทึกข้อมูลเอง ท่านไม่ต้องส่งมาใหม่ (หากมีไฟล์ Excel .xlsx ของแบบรายงาน การส่งไฟล์นั้นจะช่วยให้"
        "บันทึกได้เร็วขึ้น)"
    ),
    "ocr_budget": (
        "แบบรายงานที่เป็นภาพสแกนมีจำนวนหน้ามากเกินกว่าที่ระบบอ่านอัตโนมัติได้ในครั้งเดียว ระบบจึงยังไม่ได้อ่าน"
        "หน้า {pages} เจ้าหน้าที่ สผ. จะอ่านหน้าดังกล่าวเอง ท่านไม่ต้องส่งมาใหม่"
    ),
    "ocr_failed": (
        "ระบบอ่านภาพสแกนหน้า {pages} ไม่สำเร็จ เจ้าหน้าที่ สผ. จะอ่านหน้าดังกล่าวเอง ท่านไม่ต้องส่งมาใหม่"
    ),
    "scan_illegible": (
        "ระบบอ่านข้อความในภาพที่แนบมา (หน้า {pages}) ไม่ได้ อาจเพราะภาพไม่ชัดหรือมืดเกินไป เจ้าหน้าที่ สผ. จะตรวจสอบ"
        "ภาพนี้เอง หากเป็นแบบรายงาน การส่งไฟล์ Excel .xlsx หรือภาพที่ชัดกว่านี้จะช่วยให้บันทึกได้เร็วขึ้น"
    ),
    "heic_unsupported": (
        "ระบบยังเปิดภาพถ่ายแบบ HEIC (จาก iPhone) ไม่ได้ เจ้าหน้าที่ สผ. จะเปิดอ่านเอง ท่านไม่ต้องส่งมาใหม่ "
        "(ครั้งต่อไปหากสะดวก กรุณาส่งเป็นไฟล์ JPEG หรือ Excel .xlsx)"
    ),
    "ocr_unavailable": (
        "ขณะนี้ระบบอ่านภาพสแกนหรือภาพถ่ายอัตโนมัติไม่ได้ เจ้าหน้าที่ สผ. จะอ่านไฟล์ที่ส่งมาเอง ท่านไม่ต้องส่งมาใหม่"
    ),
}


def problem(
    code: str, field: str | None, value: str | None, label: str = "", **extra: str
) -> Problem:
    """A Problem with the Thai message for ``code`` filled in."""
    message = MESSAGES_TH[code].format(label=label, value=value or "", **extra)
    return Problem(code=code, field=field, value=value, message_th=message)
