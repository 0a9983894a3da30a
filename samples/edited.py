"""Forms as people edit them, written from the spec, for honest measurement (SYNTHETIC data).

Place in the flow: none; it produces inputs for ``bench.parse_accuracy --edited`` and
``tests/test_form_edited.py``. Written from ``shared/spec/report-form.md`` and from how officers
edit a template - never from the schema's list of label variants (``parsers/forms/*.toml``) nor
from the older generators (``samples.forms``, ``samples.wordforms``), which the extractor was
tuned on. Its label wordings, layouts and value spellings are its own, and it computes the
truth without ``core.thai`` (so the code under test does not write its own answers).

One form is a grid of cells (:class:`Grid`: rows, columns, merges, typed values and number
formats) written as .xlsx, .xls, .ods, .docx or a text PDF drawn by reportlab (its own table
drawing and a Thai TrueType face: a producer other than LibreOffice). Each kind of edit in
:data:`EDITS` changes one thing the way people do; every form also draws its wordings from the
pools of its *share*:

- ``dev``: the wordings and layout choices to look at while tuning;
- ``held``: other wordings (every pool is split in two) and other seeds, never looked at while
  tuning: only measured. A held share that was looked at is no longer held back; a fresh one is
  made by changing :data:`HELD_SEED` (and saying so in the notes).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

EDITS: tuple[str, ...] = (
    "instructions_first",  # a คำชี้แจง sheet with example figures, first (or anywhere)
    "rows_moved",  # rows inserted (notes, blank lines, a sub-heading) and rows deleted
    "reworded",  # labels shortened or reworded: synonyms, abbreviations, word order
    "merged_label",  # a label merged over two or three columns, its value further right
    "label_value_cell",  # "อำเภอ เมืองลำปาง", "จังหวัด: สงขลา", "จำนวนประชากร 9,419 คน"
    "decimal_rai",  # areas in ไร่: decimal under a ไร่ header, "4-2-0 ไร่", "12 ไร่ 2 งาน 50 ตารางวา"
    "ticks",  # 1/0, ☒, X for ticks
    "dash_zero",  # "-" for zero
    "be_dates",  # Excel dates shown through a Buddhist-era number format
    "blank_rows_projects",  # blank rows between projects
    "heavy_merges",  # merges everywhere
    "blank_signoff",  # the sign-off left blank: a problem, never a guess
)
FORMATS: tuple[str, ...] = ("xlsx", "xls", "ods", "odt", "docx", "pdf")
DEV_SEED = 7
HELD_SEED = 2564_11_2  # the second held share: the first (2564_11) was never looked at either


# ============================================================================ vocabulary

# Each pool: wordings an officer types for one thing. Even positions belong to the dev share,
# odd ones to the held share (``_pick``).
LABELS: dict[str, tuple[str, ...]] = {
    "lao_name": ("ชื่อองค์การปกครองส่วนท้องถิ่น", "อปท. ผู้รายงาน", "ชื่อหน่วยงาน (อปท.)",
                 "องค์กรปกครองส่วนท้องถิ่นที่รายงาน", "ชื่อ องค์กรปกครองฯ", "หน่วยงานที่รายงาน"),
    "lao_type": ("ประเภทขององค์กรปกครองส่วนท้องถิ่น", "รูปแบบ อปท.", "อปท. ประเภท",
                 "ประเภทองค์กร", "ประเภทของหน่วยงาน", "ประเภท (อปท.)"),
    "lao_code": ("รหัสองค์กรปกครองส่วนท้องถิ่น 7 หลัก", "เลขรหัส อปท.", "รหัส อปท. (ของ สถ.)",
                 "รหัสประจำ อปท.", "รหัสหน่วยงาน 7 หลัก", "เลขรหัสองค์กรปกครองส่วนท้องถิ่น"),
    "district": ("อำเภอที่ตั้ง", "อ.", "ที่ตั้ง อำเภอ", "อำเภอ", "เขต/อำเภอ", "อำเภอ :"),
    "province": ("จังหวัดที่ตั้ง", "จ.", "จังหวัด :", "ที่ตั้ง จังหวัด", "จังหวัด", "จว."),
    "area_km2": ("พื้นที่ของ อปท. ทั้งหมด (ตารางกิโลเมตร)", "เนื้อที่รับผิดชอบ (ตร.กม.)",
                 "ขนาดพื้นที่ทั้งหมดขององค์กรปกครองส่วนท้องถิ่น (ตร.กม.)", "พื้นที่ในเขต อปท. (ตร.กม.)",
                 "เนื้อที่ทั้งหมดของ อปท. (ตารางกิโลเมตร)", "พื้นที่ทั้งหมด ตร.กม."),
    "population": ("จำนวนราษฎร", "ประชากรตามทะเบียนบ้าน", "จำนวนประชากรในเขต อปท. (คน)",
                   "ราษฎรตามทะเบียนราษฎร (คน)", "ประชากรทั้งสิ้น", "จำนวนราษฎรตามทะเบียน"),
    "population_as_of": ("ข้อมูลประชากร ณ วันที่", "ณ วันที่ (ทะเบียนราษฎร์)", "ข้อมูล ณ",
                         "ทะเบียนราษฎร ณ วันที่", "ณ วันที่", "ข้อมูลราษฎร ณ วันที่"),
    "contact_name": ("ชื่อ-นามสกุล ผู้ประสานงาน", "ผู้ติดต่อประสานงาน", "ผู้ประสานงานของ อปท.",
                     "เจ้าหน้าที่ที่ติดต่อได้", "ชื่อผู้ติดต่อ", "ผู้ประสานงาน (ชื่อ - สกุล)"),
    "contact_position": ("ตำแหน่ง", "ตำแหน่งงาน", "ตำแหน่ง", "ตำแหน่ง :", "ตำแหน่ง", "ตำแหน่งผู้ติดต่อ"),
    "contact_phone": ("หมายเลขโทรศัพท์ที่ติดต่อได้", "โทร./มือถือ", "เบอร์ติดต่อ",
                      "โทรศัพท์เคลื่อนที่", "เบอร์โทรศัพท์ติดต่อ", "โทร"),
    "contact_email": ("อีเมล์ติดต่อ", "ที่อยู่อีเมล", "e-mail ผู้ประสานงาน", "Email address",
                      "อีเมล์", "E-mail :"),
    "reporter_name": ("ลงนาม", "ผู้รายงาน (ลงชื่อ)", "ลงชื่อ", "ลงนามผู้รายงาน", "ลงชื่อ",
                      "ผู้รายงานข้อมูล ลงชื่อ"),
    "reporter_position": ("ตำแหน่ง", "ตำแหน่งผู้รายงาน", "ตำแหน่ง", "ตำแหน่ง", "ตำแหน่ง :",
                          "ตำแหน่ง"),
    "report_date": ("วันที่รายงาน", "รายงาน ณ วันที่", "วันที่", "ลงวันที่", "วันที่ :",
                    "วันที่ส่งรายงาน"),
    "problems": ("ปัญหาที่พบ", "ปัญหา / อุปสรรค", "ปัญหาและอุปสรรคในการดำเนินงาน",
                 "อุปสรรคที่พบ", "ปัญหาอุปสรรคที่พบ", "ปัญหา"),
    "suggestions": ("ข้อเสนอแนะ/ความต้องการสนับสนุน", "ข้อเสนอแนะ", "ความคิดเห็นและข้อเสนอแนะ",
                    "ข้อเสนอแนะอื่น ๆ", "ข้อเสนอ", "ข้อเสนอแนะต่อ สผ."),
    "green_total_area_m2": ("รวมทุกประเภท", "พื้นที่สีเขียวรวมทั้งสิ้น", "รวม", "รวมพื้นที่",
                            "รวมทั้งหมด", "ผลรวม"),
    "green_per_capita_m2": ("พื้นที่สีเขียวเฉลี่ยต่อคน (ตารางเมตร/คน)",
                            "สัดส่วนพื้นที่สีเขียว ต่อ ประชากร 1 คน (ตร.ม.)",
                            "พื้นที่สีเขียวต่อหัวประชากร (ตร.ม./คน)", "พื้นที่สีเขียว/ประชากร",
                            "อัตราพื้นที่สีเขียวต่อราษฎร (ตร.ม./คน)", "พื้นที่สีเขียวต่อคน"),
    "has_local_plan": ("มีโครงการเกี่ยวกับพื้นที่สีเขียวในแผนพัฒนาท้องถิ่น", "แผนพัฒนาท้องถิ่น (มีโครงการพื้นที่สีเขียว)",
                       "บรรจุโครงการพื้นที่สีเขียวไว้ในแผนพัฒนาท้องถิ่น", "แผนพัฒนาท้องถิ่นฯ",
                       "โครงการพื้นที่สีเขียวอยู่ในแผนพัฒนาท้องถิ่น", "แผนพัฒนาท้องถิ่น"),
    "has_master_plan": ("จัดทำแผนแม่บทพื้นที่สีเขียวแล้ว", "แผนแม่บทฯ", "มีแผนแม่บทด้านพื้นที่สีเขียวของ อปท.",
                        "แผนแม่บทพื้นที่สีเขียวของท้องถิ่น", "แผนแม่บท พื้นที่สีเขียว", "แผนแม่บท"),
    "has_ordinance": ("มีเทศบัญญัติ/ข้อบัญญัติเกี่ยวกับพื้นที่สีเขียว", "ข้อบัญญัติท้องถิ่นด้านต้นไม้",
                      "ออกข้อบัญญัติหรือเทศบัญญัติ", "เทศบัญญัติ / ข้อบัญญัติ", "ข้อบัญญัติฯ",
                      "กฎหมายท้องถิ่น (ข้อบัญญัติ)"),
    "has_database": ("จัดทำฐานข้อมูลพื้นที่สีเขียว", "ฐานข้อมูลฯ", "มีระบบข้อมูลพื้นที่สีเขียว",
                     "ฐานข้อมูลพื้นที่สีเขียวของ อปท.", "ข้อมูลพื้นที่สีเขียว (ฐานข้อมูล)", "ฐานข้อมูล"),
    "has_tree_register": ("ขึ้นทะเบียนต้นไม้ใหญ่", "ทะเบียนไม้ใหญ่", "จัดทำทะเบียนต้นไม้ใหญ่แล้ว",
                          "ทะเบียนต้นไม้ใหญ่ในพื้นที่", "การขึ้นทะเบียนต้นไม้", "ทะเบียนต้นไม้"),
    "has_arborist": ("มีรุกขกร/ผู้รับผิดชอบดูแลต้นไม้", "ผู้ดูแลต้นไม้ (รุกขกร)", "มีเจ้าหน้าที่ดูแลต้นไม้",
                     "รุกขกรประจำ อปท.", "บุคลากรรับผิดชอบ/รุกขกร", "รุกขกร"),
    "has_participation": ("ชุมชนและเอกชนมีส่วนร่วม", "การมีส่วนร่วมของประชาชน", "ความร่วมมือจากชุมชน/เอกชน",
                          "ภาคประชาชนและเอกชนมีส่วนร่วม", "การมีส่วนร่วม (ชุมชน/เอกชน)", "มีส่วนร่วม"),
}  # fmt: skip
ROWS: dict[str, tuple[str, ...]] = {
    "public": ("พื้นที่สีเขียวสาธารณะ เช่น สวนสาธารณะ สวนหย่อม", "1) สวนสาธารณะ/สวนหย่อม/สนามเด็กเล่น",
               "พื้นที่สีเขียวเพื่อนันทนาการ (สาธารณะ)", "1. สาธารณะ", "สวนสาธารณะและสวนหย่อม",
               "ประเภทที่ 1 พื้นที่สีเขียวสาธารณะ"),
    "utility_private": ("2.1 อรรถประโยชน์ (ของเอกชน/ส่วนบุคคล)", "อรรถประโยชน์ บุคคล",
                        "พื้นที่สีเขียวของเอกชน", "2.1 ส่วนบุคคล", "สีเขียวอรรถประโยชน์-เอกชน",
                        "ประเภทที่ 2.1 พื้นที่สีเขียวส่วนบุคคล"),
    "utility_institution": ("2.2 อรรถประโยชน์ในสถานที่ราชการ โรงเรียน วัด", "อรรถประโยชน์ สถาบัน",
                            "พื้นที่สีเขียวในหน่วยงาน/สถานศึกษา/วัด", "2.2 ในสถาบัน",
                            "สีเขียวอรรถประโยชน์-สถาบัน", "ประเภทที่ 2.2 ในสถาบัน"),
    "utility_facility": ("2.3 อรรถประโยชน์ในสาธารณูปการ", "อรรถประโยชน์ สาธารณูปการ",
                         "พื้นที่สีเขียวในสาธารณูปการ (บ่อบำบัด ที่ทิ้งขยะ)", "2.3 สาธารณูปการ",
                         "สีเขียวอรรถประโยชน์-สาธารณูปการ", "ประเภทที่ 2.3 สาธารณูปการ"),
    "linear": ("พื้นที่สีเขียวริมถนน ทางรถไฟ ริมน้ำ (ริ้วยาว)", "3) แนวริ้วยาวริมทาง/ริมคลอง",
               "ริ้วยาวตามถนนและแม่น้ำ", "3. ริ้วยาว", "พื้นที่สีเขียวแนวยาว", "ประเภทที่ 3 ริ้วยาว"),
    "natural": ("พื้นที่ธรรมชาติ เช่น ป่า พื้นที่ชุ่มน้ำ", "4) สีเขียวธรรมชาติ", "ป่าธรรมชาติ/ป่าชุมชน",
                "4. ธรรมชาติ", "พื้นที่สีเขียวตามธรรมชาติ", "ประเภทที่ 4 ธรรมชาติ"),
    "productive": ("พื้นที่เกษตรและเศรษฐกิจ", "5) สีเขียวเพื่อการเกษตร", "พื้นที่สีเขียวเชิงเศรษฐกิจ (เกษตร)",
                   "5. เศรษฐกิจ/เกษตร", "สวนเกษตรและไร่นา", "ประเภทที่ 5 เศรษฐกิจและเกษตร"),
    "other": ("พื้นที่สีเขียวประเภทอื่น ๆ", "6) อื่นๆ (ระบุ)", "สีเขียวอื่น ๆ", "6. อื่น ๆ",
              "อื่น ๆ (โปรดระบุ)", "ประเภทที่ 6 อื่นๆ"),
}  # fmt: skip
SITES_HEAD = ("จำนวนแห่ง", "แห่ง", "จำนวน(แห่ง)", "จำนวนที่", "(แห่ง)", "จำนวน แห่ง")
AREA_HEAD = {
    "m2": ("พื้นที่ (ตารางเมตร)", "เนื้อที่ (ตร.ม.)", "ขนาด (ตร.ม.)", "พื้นที่ ตร.ม.", "พื้นที่(ตร.ม)",
           "เนื้อที่ (ตารางเมตร)"),
    "rai": ("พื้นที่ (ไร่)", "เนื้อที่ (ไร่)", "ขนาด (ไร่)", "พื้นที่ ไร่", "พื้นที่(ไร่)", "เนื้อที่ ไร่"),
    "text": ("พื้นที่", "เนื้อที่", "ขนาดพื้นที่", "พื้นที่ (ไร่-งาน-ตร.ว.)", "เนื้อที่ทั้งหมด", "พื้นที่ที่มี"),
}  # fmt: skip
TYPE_HEAD = ("ประเภทพื้นที่", "ประเภท", "ชนิดพื้นที่สีเขียว", "ประเภทของพื้นที่", "รายการ", "ลักษณะพื้นที่")
ITEM_HEAD = ("หัวข้อการดำเนินงาน", "รายการ", "เรื่อง", "ประเด็น", "การดำเนินการ", "หัวข้อ")
YES_HEAD = ("มี", "มี", "ดำเนินการ", "มี", "ใช่", "มี")
NO_HEAD = ("ไม่มี", "ไม่มี", "ไม่ได้ดำเนินการ", "ไม่มี", "ไม่ใช่", "ไม่มี")
PROJECT_HEADS: dict[str, tuple[str, ...]] = {
    "ordinal": ("ที่", "ลำดับ", "ลำดับที่", "ข้อ", "ที่", "ลำดับ"),
    "name": ("โครงการ", "ชื่อโครงการ / กิจกรรม", "โครงการ/กิจกรรมที่ทำ", "ชื่อกิจกรรม",
             "โครงการหรือกิจกรรม", "ชื่อโครงการ"),
    "period": ("ช่วงดำเนินการ", "ระยะเวลา", "ช่วงเวลาดำเนินการ", "ระยะเวลา (เดือน/ปี)", "เมื่อ",
               "ระยะเวลาที่ทำ"),
    "budget_baht": ("งบ (บาท)", "งบประมาณ (บาท)", "งบประมาณที่ใช้ (บาท)", "ค่าใช้จ่าย (บาท)",
                    "งบที่ใช้", "วงเงิน (บาท)"),
    "added_area_m2": ("พื้นที่เพิ่ม (ตร.ม.)", "พื้นที่สีเขียวที่เพิ่มขึ้น (ตร.ม.)", "พื้นที่ที่ได้เพิ่ม (ตร.ม.)",
                      "เพิ่มพื้นที่สีเขียว (ตร.ม.)", "พื้นที่เพิ่มขึ้น ตร.ม.", "พื้นที่สีเขียวเพิ่ม (ตร.ม.)"),
    "trees_planted": ("ต้นไม้ (ต้น)", "จำนวนต้นไม้ที่ปลูก (ต้น)", "ปลูกต้นไม้ (ต้น)", "จำนวนต้น",
                      "ต้นไม้ที่ปลูก", "จำนวนต้นไม้ (ต้น)"),
    "species": ("พันธุ์ไม้ที่ใช้", "ชนิดพันธุ์", "ชนิดต้นไม้ที่ปลูก", "พันธุ์ไม้", "ชนิดพันธุ์ไม้",
                "ชนิดไม้"),
}  # fmt: skip
SECTIONS = {
    1: ("ส่วนที่ ๑ ข้อมูลทั่วไปของ อปท.", "ตอนที่ 1 ข้อมูลหน่วยงาน", "1. ข้อมูลพื้นฐาน",
        "ส่วนที่ 1 ข้อมูลหน่วยงาน", "ข้อมูลของหน่วยงาน", "ส่วนที่ 1"),
    2: ("ส่วนที่ ๒ พื้นที่สีเขียวในเขต อปท.", "ตอนที่ 2 ข้อมูลพื้นที่สีเขียว", "2. พื้นที่สีเขียวแต่ละประเภท",
        "ส่วนที่ 2 ข้อมูลพื้นที่สีเขียว", "ข้อมูลพื้นที่สีเขียว", "ส่วนที่ 2"),
    3: ("ส่วนที่ ๓ การดำเนินงานตามแนวทางฯ", "ตอนที่ 3 การดำเนินงาน", "3. ผลการดำเนินงาน",
        "ส่วนที่ 3 การดำเนินงานตามแนวทางปฏิบัติงานฯ", "การดำเนินงานตามแนวทาง", "ส่วนที่ 3"),
    4: ("ส่วนที่ ๔ ปัญหาและข้อเสนอแนะ", "ตอนที่ 4 ปัญหา อุปสรรค", "4. ปัญหา/ข้อเสนอแนะ",
        "ส่วนที่ 4 ปัญหา อุปสรรค และข้อเสนอแนะ", "ปัญหาและข้อเสนอแนะ", "ส่วนที่ 4"),
    5: ("ส่วนที่ ๕ ผู้รายงาน", "ตอนที่ 5 ผู้รับรองข้อมูล", "5. ผู้รายงาน", "ส่วนที่ 5 ผู้รายงาน",
        "ผู้รายงานข้อมูล", "ส่วนที่ 5"),
}  # fmt: skip
PROJECTS_TITLE = ("โครงการ/กิจกรรมที่ทำในปี 2564", "รายการโครงการด้านพื้นที่สีเขียว ปีงบประมาณ 2564",
                  "กิจกรรมเพิ่มพื้นที่สีเขียว", "โครงการ/กิจกรรม ปี 64", "ผลการดำเนินโครงการ",
                  "โครงการที่ดำเนินการ")  # fmt: skip
TITLE = "แบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียวอย่างยั่งยืน"
TOTAL_ROW = ("รวม", "รวมทั้งสิ้น", "ยอดรวม", "รวม", "รวมทั้งหมด", "รวม")

PLACES = ("ห้วยยาง", "โป่งแยง", "นาบัว", "ทุ่งโฮ้ง", "บ่อแฮ้ว", "ท่าข้าม", "คลองหก", "บางพลีใหญ่",
          "ควนลัง", "เกาะยอ", "บ้านเป็ด", "สำราญ", "ปากพูน", "วังชมภู", "หนองตองพัฒนา", "ดอนแก้ว")  # fmt: skip
PROVINCES = (("ลำปาง", "เมืองลำปาง"), ("สงขลา", "หาดใหญ่"), ("ขอนแก่น", "เมืองขอนแก่น"),
             ("แพร่", "เมืองแพร่"), ("สมุทรปราการ", "บางพลี"), ("นครศรีธรรมราช", "เมืองนครศรีธรรมราช"),
             ("เพชรบูรณ์", "เมืองเพชรบูรณ์"), ("เชียงใหม่", "แม่ริม"), ("อุบลราชธานี", "วารินชำราบ"),
             ("ชลบุรี", "บางละมุง"))  # fmt: skip
TYPE_WORDS = {  # (written short, written full)
    "sao": ("อบต.", "องค์การบริหารส่วนตำบล"),
    "subdistrict_municipality": ("ทต.", "เทศบาลตำบล"),
    "town_municipality": ("ทม.", "เทศบาลเมือง"),
    "city_municipality": ("ทน.", "เทศบาลนคร"),
    "pao": ("อบจ.", "องค์การบริหารส่วนจังหวัด"),
}
GIVEN = ("อำนาจ", "ศิริพร", "ปรีชา", "ยุพิน", "ชาตรี", "รัตนา", "วีระ", "นงลักษณ์", "เอกชัย", "สุภาพร")
FAMILY = ("สายบุญ", "ทองดี", "พรหมมา", "แสงจันทร์", "อินทร์แก้ว", "ชัยมงคล", "ปัญญาดี", "คำแสน")
HONORIFIC = ("นาย", "นาง", "นางสาว", "ว่าที่ร้อยตรี")
JOBS = ("นักวิชาการสิ่งแวดล้อมชำนาญการ", "เจ้าพนักงานธุรการ", "นักผังเมือง", "ผู้อำนวยการกองช่าง",
        "นักวิชาการเกษตร")  # fmt: skip
HEADS = ("นายกองค์การบริหารส่วนตำบล", "ปลัดเทศบาล", "รองปลัดองค์การบริหารส่วนตำบล", "นายกเทศมนตรี",
         "ปลัด อบต.")  # fmt: skip
PROJECT_NAMES = ("ปลูกต้นไม้ริมถนนเข้าหมู่บ้าน", "ฟื้นฟูป่าชุมชนโคกหนองนา", "สร้างสวนหย่อมหน้าตลาด",
                 "รักษ์ต้นไม้ใหญ่ในวัด", "ปลูกไม้ยืนต้นในโรงเรียน", "คลองสวยน้ำใส ริมตลิ่งเขียว")  # fmt: skip
SPECIES = ("สัก มะค่า", "ยางนา", "ต้นคูน ต้นเสลา", "ประดู่ป่า", "มะขามป้อม ขี้เหล็ก", "ตะเคียนทอง")
PERIODS = ("พ.ค.-ก.ค. 64", "ตลอดปี", "12 ส.ค. 2564", "ม.ค. - มี.ค. 2564", "ไตรมาสที่ 2", "ก.ย. 64",
           "1 ต.ค. 63 - 30 ก.ย. 64", "5 มิ.ย. 64")  # fmt: skip
TROUBLES = ("งบประมาณมีจำกัด", "ฝนทิ้งช่วง กล้าไม้ตาย\nขาดคนดูแลต่อเนื่อง", "ขาดความรู้เรื่องการตัดแต่งกิ่ง")
ASKS = ("อยากให้ สผ. จัดอบรมการทำฐานข้อมูล", "ขอกล้าไม้เพิ่ม\nขอคู่มือรุกขกรรม", "ไม่มี")
MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
          "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")  # fmt: skip
MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
                "พ.ย.", "ธ.ค.")  # fmt: skip
GREEN_TYPES = ("public", "utility_private", "utility_institution", "utility_facility", "linear",
               "natural", "productive", "other")  # fmt: skip
ITEMS = ("has_local_plan", "has_master_plan", "has_ordinance", "has_database", "has_tree_register",
         "has_arborist", "has_participation")  # fmt: skip
PART1 = ("lao_name", "lao_type", "lao_code", "district", "province", "area_km2", "population",
         "population_as_of", "contact_name", "contact_position", "contact_phone", "contact_email")  # fmt: skip
PAIRS = (("district", "province"), ("contact_phone", "contact_email"), ("lao_type", "lao_code"),
         ("population", "population_as_of"), ("contact_name", "contact_position"))  # fmt: skip
ANSWER_HEAD = ("มี / ไม่มี", "มี/ไม่มี", "สถานะการดำเนินงาน", "คำตอบ", "ผลการดำเนินการ", "ผล")
ANSWERS = (("มี", "ไม่มี"), ("ใช่", "ไม่ใช่"))
NUMBER_HEAD = ("ลำดับ", "ที่")
CELL_HEADS = (("ไร่", "งาน", "ตารางวา"), ("ไร่", "งาน", "ตร.ว."))
PROJECT_ORDERS = (
    ("ordinal", "name", "period", "budget_baht", "added_area_m2", "trees_planted", "species"),
    ("ordinal", "name", "budget_baht", "trees_planted", "added_area_m2", "period", "species"),
    ("ordinal", "name", "species", "period", "budget_baht", "trees_planted", "added_area_m2"),
    ("ordinal", "name", "trees_planted", "species", "added_area_m2", "budget_baht", "period"),
)
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
BE_FORMATS = ("[$-th-TH,107]d mmmm yyyy;@", "[$-1070000]d/mm/yyyy;@", "[$-D07041E]d mmm yy;@")


def _pick(rng: random.Random, pool: Sequence[str], share: str) -> str:
    """A wording of ``pool`` from the share's half: dev takes even positions, held odd ones."""
    half = pool[0::2] if share == "dev" else pool[1::2]
    return rng.choice(half or pool)


# ============================================================================ truth


def random_truth(rng: random.Random) -> dict[str, Any]:
    """The values one LAO reports, keyed and typed as a reading gives them."""
    lao_type = rng.choice(tuple(TYPE_WORDS))
    short, full = TYPE_WORDS[lao_type]
    province, district = rng.choice(PROVINCES)
    place = province if lao_type == "pao" else rng.choice(PLACES)
    truth: dict[str, Any] = {
        "lao_name": (short if rng.random() < 0.5 else full) + place,
        "lao_type": lao_type,
    }
    if rng.random() < 0.7:
        truth["lao_code"] = f"{rng.randint(3, 6)}{rng.randint(100000, 999999)}"
    truth["district"] = district
    truth["province"] = province
    truth["area_km2"] = rng.randint(150, 40_000) / 100
    truth["population"] = rng.randint(1_200, 60_000)
    truth["population_as_of"] = _iso(dt.date(2020, 12, 31) - dt.timedelta(rng.randint(0, 200)))
    truth["contact_name"] = _person(rng)
    truth["contact_position"] = rng.choice(JOBS)
    phone = rng.choice((f"0 {rng.randint(5300, 5699)} {rng.randint(1000, 9999)}",
                        f"08{rng.randint(1, 9)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                        f"0{rng.randint(20, 79)}{rng.randint(100000, 999999)}"))  # fmt: skip
    truth["contact_phone"] = phone
    truth["contact_phone_digits"] = "".join(ch for ch in phone if ch.isdigit())
    truth["contact_email"] = f"{rng.choice(('green', 'saraban', 'kong.chang', 'env64'))}" + (
        f"{rng.randint(1, 99)}@{rng.choice(('gmail.com', 'hotmail.com', 'lao.go.th'))}"
    )
    total = 0
    for green in GREEN_TYPES:
        if rng.random() < 0.25:
            sites, area = 0, 0
        else:
            sites, area = rng.randint(1, 15), 16 * rng.randint(5, 40_000)
        truth[f"green_{green}_sites"] = sites
        truth[f"green_{green}_area_m2"] = float(area)
        total += area
    truth["green_total_area_m2"] = float(total)
    truth["green_per_capita_m2"] = round(total / truth["population"], 2)
    for item in ITEMS:
        truth[item] = rng.random() < 0.6
    projects: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 4)):
        projects.append({
            "name": rng.choice(PROJECT_NAMES),
            "period": rng.choice(PERIODS),
            "budget_baht": float(rng.randint(2, 900) * 500),
            "added_area_m2": float(16 * rng.randint(1, 3000)),
            "trees_planted": rng.randint(10, 3000),
            "species": rng.choice(SPECIES),
        })  # fmt: skip
    truth["projects"] = projects
    truth["budget_total_baht"] = float(sum(p["budget_baht"] for p in projects))
    truth["trees_planted_total"] = sum(p["trees_planted"] for p in projects)
    truth["problems"] = rng.choice(TROUBLES)
    truth["suggestions"] = rng.choice(ASKS)
    truth["reporter_name"] = _person(rng)
    truth["reporter_position"] = rng.choice(HEADS)
    truth["report_date"] = _iso(dt.date(2021, 9, 1) + dt.timedelta(rng.randint(0, 40)))
    return truth


def _person(rng: random.Random) -> str:
    return f"{rng.choice(HONORIFIC)}{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def _iso(day: dt.date) -> str:
    return day.isoformat()


# ============================================================================ the grid


@dataclass
class Item:
    value: object
    rows: int = 1
    cols: int = 1
    fmt: str | None = None  # an Excel number format
    shown: str | None = None  # the text a viewer shows (ODS, PDF, Word) when not ``value``
    bold: bool = False


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Item] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)

    def put(self, row: int, col: int, value: object, **options: Any) -> None:
        self.cells[(row, col)] = Item(value, **options)

    @property
    def height(self) -> int:
        return max((r + item.rows for (r, _), item in self.cells.items()), default=0)

    @property
    def width(self) -> int:
        return max((c + item.cols for (_, c), item in self.cells.items()), default=0)


@dataclass
class Grid:
    sheets: list[Sheet]


@dataclass
class Style:
    """How one form is laid out and how its values are written (chosen by the edit kind)."""

    share: str
    label_cols: int = 2  # columns a Part 1 label spans
    gap: int = 0  # empty columns between a label and its value
    value_cols: int = 3
    inline: frozenset[str] = frozenset()  # fields typed as "label value" in one cell
    area: str = "m2"  # m2 | rai (decimal ไร่ under a ไร่ header) | triple | words
    ticks: str = "check"  # check | one_zero | boxed | x
    dash_zero: bool = False
    dates: str = "text"  # text | be_format
    blank_project_rows: bool = False
    heavy: bool = False
    instructions: str | None = None  # None | first | middle | last
    moved: bool = False
    blank_signoff: bool = False
    words: dict[str, str] = field(default_factory=dict)
    # layouts of any edit (the spec's and the issue's, as people lay a form out):
    pairs: bool = False  # two Part 1 fields on one row
    sign_block: bool = False  # the sign-off as lines of one cell each ("ตำแหน่ง ปลัด ...")
    answers: bool = False  # Part 3 as one column of written answers (มี / ไม่มี)
    numbered: bool = False  # a number column before the Part 2 types
    thai_digits: bool = False  # figures and dates typed in Thai digits
    project_order: tuple[str, ...] = ()


def _style(edit: str, share: str, rng: random.Random) -> Style:
    style = Style(share=share)
    style.label_cols = rng.choice((1, 2))
    style.value_cols = rng.choice((2, 3))
    if edit == "instructions_first":
        style.instructions = "first" if rng.random() < 0.7 else rng.choice(("middle", "last"))
    elif edit == "rows_moved":
        style.moved = True
    elif edit == "merged_label":
        style.label_cols, style.gap = rng.choice(((2, 1), (3, 0), (3, 2), (2, 2)))
    elif edit == "label_value_cell":
        chosen = {"district", "province", "population"}
        chosen |= set(rng.sample(("lao_name", "lao_type", "area_km2", "contact_name",
                                  "contact_phone", "contact_email", "lao_code"), 3))  # fmt: skip
        style.inline = frozenset(chosen)
    elif edit == "decimal_rai":
        style.area = rng.choice(("rai", "triple", "words", "cells"))
    elif edit == "ticks":
        style.ticks = rng.choice(("one_zero", "boxed", "x"))
    elif edit == "dash_zero":
        style.dash_zero = True
    elif edit == "be_dates":
        style.dates = "be_format"
    elif edit == "blank_rows_projects":
        style.blank_project_rows = True
    elif edit == "heavy_merges":
        style.heavy = True
        style.label_cols, style.value_cols = rng.choice(((2, 4), (3, 3)))
    elif edit == "blank_signoff":
        style.blank_signoff = True
    if edit in ("reworded", "merged_label", "heavy_merges", "label_value_cell"):
        reword = 1.0
    else:
        reword = 0.3
    for key, pool in (*LABELS.items(), *ROWS.items()):
        if rng.random() < reword:
            style.words[key] = _pick(rng, pool, share)
    style.pairs = not style.inline and rng.random() < 0.3
    style.sign_block = not style.blank_signoff and rng.random() < 0.4
    style.answers = style.ticks == "check" and rng.random() < 0.3
    style.numbered = rng.random() < 0.4
    style.thai_digits = rng.random() < 0.15
    style.project_order = rng.choice(PROJECT_ORDERS)
    return style


PRINTED_LABELS = {  # the labels the spec prints (report-form.md); used where nothing was reworded
    "lao_name": "ชื่อองค์กรปกครองส่วนท้องถิ่น", "lao_type": "ประเภท อปท.", "lao_code": "รหัส อปท.",
    "district": "อำเภอ", "province": "จังหวัด", "area_km2": "พื้นที่ทั้งหมดของ อปท. (ตร.กม.)",
    "population": "จำนวนประชากร (ทะเบียนราษฎร์)", "population_as_of": "ณ วันที่",
    "contact_name": "ผู้ประสานงาน ชื่อ-สกุล", "contact_position": "ตำแหน่ง",
    "contact_phone": "โทรศัพท์ / มือถือ", "contact_email": "E-mail",
    "green_total_area_m2": "รวมพื้นที่สีเขียวทั้งหมด",
    "green_per_capita_m2": "พื้นที่สีเขียวต่อประชากร (ตร.ม./คน)",
    "has_local_plan": "แผนพัฒนาท้องถิ่นมีโครงการด้านพื้นที่สีเขียว",
    "has_master_plan": "แผนแม่บทพื้นที่สีเขียว", "has_ordinance": "ข้อบัญญัติ/เทศบัญญัติ",
    "has_database": "ฐานข้อมูลพื้นที่สีเขียว", "has_tree_register": "ทะเบียนต้นไม้ใหญ่",
    "has_arborist": "เจ้าหน้าที่รับผิดชอบ/รุกขกร",
    "has_participation": "การมีส่วนร่วมของชุมชน/ภาคเอกชน",
    "problems": "ปัญหา อุปสรรค", "suggestions": "ข้อเสนอแนะ", "reporter_name": "ลงชื่อ",
    "reporter_position": "ตำแหน่ง", "report_date": "วันที่",
    "public": "1. พื้นที่สีเขียวสาธารณะ (สวนสาธารณะ สวนหย่อม สวนสุขภาพ สนามเด็กเล่น)",
    "utility_private": "2.1 พื้นที่สีเขียวอรรถประโยชน์ ส่วนบุคคล",
    "utility_institution": "2.2 พื้นที่สีเขียวอรรถประโยชน์ ในสถาบัน (สถานที่ราชการ โรงเรียน ศาสนสถาน)",
    "utility_facility": "2.3 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่สาธารณูปการ",
    "linear": "3. พื้นที่สีเขียวริ้วยาวตามแนวถนน ทางรถไฟ แม่น้ำ คลอง",
    "natural": "4. พื้นที่สีเขียวธรรมชาติ", "productive": "5. พื้นที่สีเขียวเพื่อเศรษฐกิจและการเกษตร",
    "other": "6. พื้นที่สีเขียวอื่น ๆ",
}  # fmt: skip


def _label(style: Style, key: str) -> str:
    return style.words.get(key, PRINTED_LABELS[key])


# ---------------------------------------------------------------------------- values as typed


def _digits_grouped(number: float, decimals: int = 0) -> str:
    text = f"{number:,.{decimals}f}"
    return text


def _be_text(iso: str, rng: random.Random) -> str:
    day = dt.date.fromisoformat(iso)
    year = day.year + 543
    return rng.choice((
        f"{day.day} {MONTHS[day.month - 1]} {year}",
        f"{day.day} {MONTHS_SHORT[day.month - 1]} {year}",
        f"{day.day}/{day.month:02d}/{year}",
        f"{day.day} {MONTHS_SHORT[day.month - 1]} {str(year)[2:]}",
    ))  # fmt: skip


def _rai_parts(square_metres: float) -> tuple[int, int, int]:
    wa = round(square_metres / 4)
    return wa // 400, (wa % 400) // 100, wa % 100


def _area_cell(square_metres: float, style: Style, rng: random.Random) -> Item:
    """An area as the style writes it (under a header naming the unit, or with it)."""
    if style.dash_zero and square_metres == 0:
        return Item("-")
    if style.area == "rai":
        rai = square_metres / 1600
        return Item(rai, fmt="#,##0.00##")
    if style.area == "triple":
        rai, ngan, wa = _rai_parts(square_metres)
        return Item(f"{rai}-{ngan}-{wa}" + rng.choice(("", " ไร่")))
    if style.area == "words":
        rai, ngan, wa = _rai_parts(square_metres)
        parts = [f"{rai:,} ไร่"] if rai else []
        if ngan:
            parts.append(f"{ngan} งาน")
        if wa or not parts:
            parts.append(f"{wa} " + rng.choice(("ตารางวา", "ตร.ว.", "ตร.วา")))
        return Item(" ".join(parts))
    return Item(square_metres, fmt="#,##0")


def _count_cell(number: int, style: Style) -> Item:
    if style.dash_zero and number == 0:
        return Item("-")
    return Item(number, fmt="#,##0")


def _tick_pair(value: bool, style: Style, rng: random.Random) -> tuple[Item | None, Item | None]:
    """(มี column, ไม่มี column)."""
    mark: Callable[[], Item]
    if style.ticks == "one_zero":
        return Item(1 if value else 0), Item(0 if value else 1)
    if style.ticks == "boxed":
        return (Item("☒") if value else None), (None if value else Item("☒"))
    if style.ticks == "x":
        letter = rng.choice(("X", "x"))
        return (Item(letter) if value else None), (None if value else Item(letter))
    mark = lambda: Item(rng.choice(("✓", "✔")))  # noqa: E731
    return (mark() if value else None), (None if value else mark())


def _date_item(iso: str, style: Style, rng: random.Random) -> Item:
    if style.dates == "be_format":
        day = dt.date.fromisoformat(iso)
        return Item(day, fmt=rng.choice(BE_FORMATS), shown=_be_text(iso, rng))
    text = _be_text(iso, rng)
    return Item(text.translate(_THAI_DIGITS) if style.thai_digits else text)


def _field_item(key: str, truth: dict[str, Any], style: Style, rng: random.Random) -> Item:
    value = truth[key]
    if key == "lao_type":
        short, full = TYPE_WORDS[value]
        return Item(rng.choice((short, full)))
    if key in ("population_as_of", "report_date"):
        return _date_item(value, style, rng)
    if key == "population":
        if style.thai_digits:
            return Item(f"{value:,}".translate(_THAI_DIGITS))
        return Item(value, fmt="#,##0") if rng.random() < 0.7 else Item(f"{value:,}")
    if key == "area_km2":
        return Item(value, fmt="#,##0.00")
    if key == "lao_code":
        return Item(value if rng.random() < 0.5 else int(value))
    if key == "district":
        return Item(rng.choice(("", "อ.")) + value)
    if key == "province":
        return Item(rng.choice(("", "จ.", "จังหวัด")) + value)
    return Item(value)


def _inline_text(key: str, label: str, truth: dict[str, Any], rng: random.Random) -> str:
    """A label and its value typed into one cell."""
    value = truth[key]
    if key == "population":
        shown = rng.choice((f"{value:,} คน", f"{value:,}", f"{value} คน"))
    elif key == "area_km2":
        shown = f"{value:,.2f}" + rng.choice((" ตร.กม.", " ตารางกิโลเมตร", ""))
    elif key == "lao_type":
        shown = rng.choice(TYPE_WORDS[value])
    else:
        shown = str(value)
    label = label.rstrip(" :")
    return label + rng.choice((" ", ": ", " : ", "  ")) + shown


# ---------------------------------------------------------------------------- laying out


def _build(truth: dict[str, Any], style: Style, rng: random.Random) -> Grid:
    sheet = Sheet(rng.choice(("แบบรายงาน", "Sheet1", "ข้อมูล อปท.", "แบบฟอร์ม 64")))
    row = 0
    last = style.label_cols + style.gap + style.value_cols + 2
    sheet.put(row, 0, TITLE, cols=last, bold=True)
    row += 1
    sheet.put(row, 0, "ประจำปีงบประมาณ พ.ศ. ๒๕๖๔", cols=last)
    row += 2
    row = _section(sheet, row, 1, style, rng, last)
    paired = {first: second for first, second in PAIRS
              if style.pairs and first in truth and second in truth}  # fmt: skip
    for key in PART1:
        if key in paired.values():
            continue  # written beside its pair
        if key not in truth and (style.moved or rng.random() < 0.5):
            continue  # the row was deleted (else its label stays, with no value)
        if style.moved and rng.random() < 0.15:
            row += 1  # a blank row inserted
        row = _field_row(sheet, row, key, truth, style, rng)
        if key in paired:
            col = style.label_cols + style.gap + style.value_cols + 1
            second = paired[key]
            sheet.put(row - 1, col, _label(style, second))
            item = _field_item(second, truth, style, rng)
            item.cols = 2
            sheet.cells[(row - 1, col + 1)] = item
        if style.moved and key == "population" and rng.random() < 0.6:
            sheet.put(row, 0, "(ข้อมูลจากสำนักทะเบียนอำเภอ)", cols=last)
            row += 1
    row += 1
    row = _section(sheet, row, 2, style, rng, last)
    row = _green_table(sheet, row, truth, style, rng)
    row += 1
    row = _section(sheet, row, 3, style, rng, last)
    row = _items_table(sheet, row, truth, style, rng)
    row += 1
    row = _projects_table(sheet, row, truth, style, rng)
    row += 1
    row = _section(sheet, row, 4, style, rng, last)
    for key in ("problems", "suggestions"):
        sheet.put(row, 0, _label(style, key), cols=style.label_cols)
        row += 1
        text = truth[key]
        lines = text.count("\n") + 1
        sheet.put(row, 0, text, cols=last, rows=lines if style.heavy else 1)
        row += lines if style.heavy else 1
    row += 1
    row = _section(sheet, row, 5, style, rng, last)
    row = _signoff(sheet, row, truth, style, rng)
    sheets = [sheet]
    if style.instructions:
        guide = _instructions(style, rng)
        at = {"first": 0, "middle": 1, "last": 2}[style.instructions]
        sheets.insert(min(at, len(sheets)), guide)
        if style.instructions == "middle":
            sheets.append(_lists_sheet())
    return Grid(sheets)


def _section(sheet: Sheet, row: int, part: int, style: Style, rng: random.Random,
             last: int) -> int:  # fmt: skip
    sheet.put(row, 0, _pick(rng, SECTIONS[part], style.share), cols=last if style.heavy else 1,
              bold=True)  # fmt: skip
    return row + 1


def _field_row(sheet: Sheet, row: int, key: str, truth: dict[str, Any], style: Style,
               rng: random.Random) -> int:  # fmt: skip
    label = _label(style, key)
    if key not in truth:
        sheet.put(row, 0, label, cols=style.label_cols)
        return row + 1
    if key in style.inline:
        sheet.put(row, 0, _inline_text(key, label, truth, rng),
                  cols=style.label_cols + style.gap + style.value_cols)  # fmt: skip
        return row + 1
    rows = 2 if style.heavy and not style.pairs and rng.random() < 0.3 else 1
    sheet.put(row, 0, label, cols=style.label_cols, rows=rows)
    item = _field_item(key, truth, style, rng)
    item.cols, item.rows = style.value_cols, rows
    sheet.cells[(row, style.label_cols + style.gap)] = item
    unit = {"population": "คน", "area_km2": "ตร.กม."}.get(key)
    if unit and rng.random() < 0.5 and "(" not in label:
        sheet.put(row, style.label_cols + style.gap + style.value_cols, unit)
    return row + rows


def _green_table(sheet: Sheet, row: int, truth: dict[str, Any], style: Style,
                 rng: random.Random) -> int:  # fmt: skip
    first = 1 if style.numbered else 0
    type_cols = max(2, style.label_cols + (1 if style.heavy else 0))
    sites_col = first + type_cols
    area_col = sites_col + (2 if style.heavy else 1)
    head = {"m2": "m2", "rai": "rai"}.get(style.area, "text")
    if first:
        sheet.put(row, 0, _pick(rng, NUMBER_HEAD, style.share), bold=True)
    sheet.put(row, first, _pick(rng, TYPE_HEAD, style.share), cols=type_cols, bold=True)
    sheet.put(row, sites_col, _pick(rng, SITES_HEAD, style.share), cols=area_col - sites_col)
    if style.area == "cells":
        for offset, text in enumerate(_pick_tuple(rng, CELL_HEADS, style.share)):
            sheet.put(row, area_col + offset, text)
    else:
        sheet.put(row, area_col, _pick(rng, AREA_HEAD[head], style.share),
                  cols=2 if style.heavy else 1)  # fmt: skip
    row += 1
    for number, green in enumerate(GREEN_TYPES, start=1):
        if style.moved and green == "utility_facility" and rng.random() < 0.5:
            truth.pop(f"green_{green}_sites")
            truth.pop(f"green_{green}_area_m2")  # the row was deleted (its area was 0 or moved)
            continue
        if first:
            sheet.put(row, 0, f"{number}.")
        sheet.put(row, first, _label(style, green), cols=type_cols)
        sites = _count_cell(truth[f"green_{green}_sites"], style)
        sites.cols = area_col - sites_col
        sheet.cells[(row, sites_col)] = sites
        _put_area(sheet, row, area_col, truth[f"green_{green}_area_m2"], style, rng)
        row += 1
        if style.moved and green == "public" and rng.random() < 0.5:
            sheet.put(row, first, "   - สวนสาธารณะหน้าที่ทำการ", cols=type_cols)  # a note row
            row += 1
    if "green_utility_facility_area_m2" not in truth:
        total = sum(truth[f"green_{g}_area_m2"] for g in GREEN_TYPES
                    if f"green_{g}_area_m2" in truth)  # fmt: skip
        truth["green_total_area_m2"] = float(total)
        truth["green_per_capita_m2"] = round(total / truth["population"], 2)
    sheet.put(row, first, _label(style, "green_total_area_m2"), cols=type_cols)
    _put_area(sheet, row, area_col, truth["green_total_area_m2"], style, rng)
    row += 1
    sheet.put(row, first, _label(style, "green_per_capita_m2"), cols=area_col - first)
    sheet.put(row, area_col, truth["green_per_capita_m2"], fmt="0.00")
    return row + 1


def _put_area(sheet: Sheet, row: int, col: int, square_metres: float, style: Style,
              rng: random.Random) -> None:  # fmt: skip
    """An area in its column (or, for ``cells``, in three: ไร่, งาน, ตารางวา)."""
    if style.area == "cells":
        if style.dash_zero and square_metres == 0:
            parts: tuple[Item, ...] = (Item("-"),) * 3
        else:
            parts = tuple(Item(part) for part in _rai_parts(square_metres))
        for offset, item in enumerate(parts):
            sheet.cells[(row, col + offset)] = item
        return
    area = _area_cell(square_metres, style, rng)
    area.cols = 2 if style.heavy else 1
    sheet.cells[(row, col)] = area


def _pick_tuple(rng: random.Random, pool: Sequence[tuple[str, ...]],
                share: str) -> tuple[str, ...]:  # fmt: skip
    half = pool[0::2] if share == "dev" else pool[1::2]
    return rng.choice(half or pool)


def _items_table(sheet: Sheet, row: int, truth: dict[str, Any], style: Style,
                 rng: random.Random) -> int:  # fmt: skip
    item_cols = max(3, style.label_cols + 1)
    share = style.share
    pair = rng.randrange(3) * 2 + (0 if share == "dev" else 1)
    sheet.put(row, 0, _pick(rng, ITEM_HEAD, share), cols=item_cols, bold=True)
    if style.answers:
        sheet.put(row, item_cols, _pick(rng, ANSWER_HEAD, share), cols=2)
        yes_word, no_word = _pick_tuple(rng, ANSWERS, share)
    else:
        sheet.put(row, item_cols, YES_HEAD[pair])
        sheet.put(row, item_cols + 1, NO_HEAD[pair])
    row += 1
    for key in ITEMS:
        sheet.put(row, 0, _label(style, key), cols=item_cols)
        if style.answers:
            sheet.put(row, item_cols, yes_word if truth[key] else no_word, cols=2)
            row += 1
            continue
        yes, no = _tick_pair(truth[key], style, rng)
        if yes is not None:
            sheet.cells[(row, item_cols)] = yes
        if no is not None:
            sheet.cells[(row, item_cols + 1)] = no
        row += 1
    return row


_PROJECT_KEYS = ("ordinal", "name", "period", "budget_baht", "added_area_m2", "trees_planted",
                 "species")  # fmt: skip


def _projects_table(sheet: Sheet, row: int, truth: dict[str, Any], style: Style,
                    rng: random.Random) -> int:  # fmt: skip
    share = style.share
    sheet.put(row, 0, _pick(rng, PROJECTS_TITLE, share), cols=4, bold=True)
    row += 1
    spans = {key: 1 for key in _PROJECT_KEYS}
    if style.heavy:
        spans["name"] = 2
        spans["species"] = 2
    order = style.project_order or _PROJECT_KEYS
    cols: dict[str, int] = {}
    col = 0
    for key in order:
        cols[key] = col
        head = _pick(rng, PROJECT_HEADS[key], share)
        if key == "added_area_m2" and style.area == "rai":
            head = head.replace("(ตร.ม.)", "(ไร่)").replace("ตร.ม.", "ไร่")
            if "ไร่" not in head:
                head += " (ไร่)"
        sheet.put(row, col, head, cols=spans[key], bold=True)
        col += spans[key]
    row += 1
    for number, project in enumerate(truth["projects"], start=1):
        if style.blank_project_rows and number > 1:
            row += rng.randint(1, 2)
        sheet.put(row, cols["ordinal"],
                  str(number).translate(_THAI_DIGITS) if style.thai_digits else number)  # fmt: skip
        for key in order[1:]:
            value = project[key]
            if key == "added_area_m2":
                item = (Item(value, fmt="#,##0") if style.area == "cells"
                        else _area_cell(value, style, rng))  # fmt: skip
            elif key == "budget_baht":
                item = Item(value, fmt="#,##0.00")
            elif key == "trees_planted":
                item = Item(value, fmt="#,##0")
            else:
                item = Item(value)
            item.cols = spans[key]
            sheet.cells[(row, cols[key])] = item
        row += 1
    if style.blank_project_rows:
        row += 1
    sheet.put(row, cols["name"], _pick(rng, TOTAL_ROW, share), cols=spans["name"])
    sheet.put(row, cols["budget_baht"], truth["budget_total_baht"], fmt="#,##0.00")
    sheet.put(row, cols["trees_planted"], truth["trees_planted_total"], fmt="#,##0")
    return row + 1


def _signoff(sheet: Sheet, row: int, truth: dict[str, Any], style: Style,
             rng: random.Random) -> int:  # fmt: skip
    col = style.label_cols + 1
    if style.blank_signoff:
        for key in ("reporter_name", "reporter_position", "report_date"):
            truth.pop(key)
        sheet.put(row, col, _label(style, "reporter_name") + " " + "." * 40 + " ผู้รายงาน")
        sheet.put(row + 1, col + 1, "(" + "." * 36 + ")")
        sheet.put(row + 2, col, _label(style, "reporter_position") + " " + "." * 30)
        sheet.put(row + 3, col, _label(style, "report_date") + " " + "." * 30)
        return row + 4
    if style.sign_block:
        sheet.put(row, col, _label(style, "reporter_name") + rng.choice((" " + "." * 24, "")),
                  cols=3)  # fmt: skip
        sheet.put(row + 1, col, f"({truth['reporter_name']})", cols=3)
        sheet.put(row + 2, col, f"{_label(style, 'reporter_position')} {truth['reporter_position']}",
                  cols=3)  # fmt: skip
        day = _date_item(truth["report_date"], style, rng)
        sheet.put(row + 3, col, f"{_label(style, 'report_date')} {day.shown or day.value}", cols=3)
        return row + 4
    sheet.put(row, col, _label(style, "reporter_name"))
    sheet.put(row, col + 1, truth["reporter_name"], cols=2)
    sheet.put(row + 1, col, _label(style, "reporter_position"))
    sheet.put(row + 1, col + 1, truth["reporter_position"], cols=2)
    sheet.put(row + 2, col, _label(style, "report_date"))
    item = _date_item(truth["report_date"], style, rng)
    item.cols = 2
    sheet.cells[(row + 2, col + 1)] = item
    return row + 3


def _instructions(style: Style, rng: random.Random) -> Sheet:
    """คำชี้แจง: how to fill the form, with an example LAO's figures (never the report)."""
    guide = Sheet(rng.choice(("คำชี้แจง", "คำอธิบาย", "วิธีกรอก")))
    lines = ("คำชี้แจงการกรอกแบบรายงาน", "1. กรอกข้อมูลในช่องว่างให้ครบทุกช่อง",
             "2. พื้นที่ให้กรอกเป็นตารางเมตร (1 ไร่ = 1,600 ตร.ม.)", "3. ทำเครื่องหมาย ✓ ในช่องมีหรือไม่มี",
             "ตัวอย่างการกรอก")  # fmt: skip
    row = 0
    for line in lines:
        guide.put(row, 0, line, cols=4)
        row += 1
    example = (("lao_name", "อบต.ตัวอย่าง"), ("district", "เมือง"), ("province", "นนทบุรี"),
               ("population", 5000), ("area_km2", 25.5), ("contact_name", "นายสมมุติ ตัวอย่าง"))  # fmt: skip
    for key, value in example:
        guide.put(row, 0, _label(style, key), cols=2)
        guide.put(row, 2, value)
        row += 1
    for green, sites, area in (("public", 2, 1200), ("natural", 1, 8000)):
        guide.put(row, 0, _label(style, green), cols=2)
        guide.put(row, 2, sites)
        guide.put(row, 3, area)
        row += 1
    return guide


def _lists_sheet() -> Sheet:
    lists = Sheet("รายการ")
    for row, text in enumerate(("อบจ.", "ทน.", "ทม.", "ทต.", "อบต.")):
        lists.put(row, 0, text)
    return lists


# ============================================================================ writers


def write_xlsx(grid: Grid) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in grid.sheets:
        page = book.create_sheet(sheet.name)
        for (row, col), item in sorted(sheet.cells.items()):
            target = page.cell(row + 1, col + 1, item.value)
            if item.fmt:
                target.number_format = item.fmt
            if item.bold:
                target.font = Font(bold=True)
            if isinstance(item.value, str) and "\n" in item.value:
                target.alignment = Alignment(wrap_text=True)
            if item.rows > 1 or item.cols > 1:
                page.merge_cells(start_row=row + 1, start_column=col + 1,
                                 end_row=row + item.rows, end_column=col + item.cols)  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xls(grid: Grid) -> bytes:
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, Any] = {}
    for sheet in grid.sheets:
        page = book.add_sheet(sheet.name[:31], cell_overwrite_ok=True)
        for (row, col), item in sorted(sheet.cells.items()):
            fmt = item.fmt or "General"
            if fmt not in styles:
                styles[fmt] = xlwt.easyxf(num_format_str=fmt.replace(";@", ""))
            value = item.value
            if isinstance(value, bool):
                value = int(value)
            if item.rows > 1 or item.cols > 1:
                page.write_merge(row, row + item.rows - 1, col, col + item.cols - 1, value,
                                 styles[fmt])  # fmt: skip
            else:
                page.write(row, col, value, styles[fmt])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(item: Item) -> str:
    """The text a viewer shows for a cell."""
    if item.shown is not None:
        return item.shown
    value = item.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{value:,}" if item.fmt and "," in item.fmt else str(value)
    if isinstance(value, float):
        if item.fmt == "#,##0.00##":
            text = f"{value:,.4f}".rstrip("0")
            return text + "0" if text.endswith(".") else (text if len(text.split(".")[1]) >= 2
                                                          else text + "0")  # fmt: skip
        if item.fmt and "0.00" in item.fmt:
            return f"{value:,.2f}" if "," in item.fmt else f"{value:.2f}"
        if item.fmt and "," in item.fmt:
            return f"{value:,.0f}"
        return f"{value:g}"
    return str(value)


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_ods(grid: Grid) -> bytes:
    """A minimal OpenDocument spreadsheet written by hand (as other office suites write one)."""
    parts = [_ODS_HEAD]
    for sheet in grid.sheets:
        parts.append(f'<table:table table:name="{escape(sheet.name)}">')
        covered = {
            (row + dr, col + dc)
            for (row, col), item in sheet.cells.items()
            for dr in range(item.rows)
            for dc in range(item.cols)
            if (dr, dc) != (0, 0)
        }
        for row in range(sheet.height):
            parts.append("<table:table-row>")
            for col in range(sheet.width):
                item = sheet.cells.get((row, col))
                if (row, col) in covered:
                    parts.append("<table:covered-table-cell/>")
                elif item is None:
                    parts.append("<table:table-cell/>")
                else:
                    parts.append(_ods_cell(item))
            parts.append("</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        package.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", "".join(parts), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _ods_cell(item: Item) -> str:
    span = ""
    if item.cols > 1:
        span += f' table:number-columns-spanned="{item.cols}"'
    if item.rows > 1:
        span += f' table:number-rows-spanned="{item.rows}"'
    value = item.value
    if isinstance(value, bool):
        kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int | float):
        kind = f'office:value-type="float" office:value="{value}"'
    elif isinstance(value, dt.date):
        kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
    else:
        kind = 'office:value-type="string"'
    lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in _shown(item).split("\n"))
    return f"<table:table-cell {kind}{span}>{lines}</table:table-cell>"


def write_docx(grid: Grid) -> bytes:
    """The sheets as a Word document, in order: a lone bold cell at the left (the title, a
    section heading) as a paragraph, each run of rows between such headings as one table
    (merged cells merged), as people retype a form in Word. A lists sheet is left out."""
    import docx

    document = docx.Document()
    for sheet in grid.sheets:
        if sheet.width < 2:
            continue  # a sheet of drop-down lists: nothing a Word form would carry
        _docx_sheet(document, sheet)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_sheet(document: Any, sheet: Sheet) -> None:
    width = sheet.width
    block: list[int] = []

    def flush() -> None:
        if not block:
            return
        first, last = block[0], block[-1]
        table = document.add_table(rows=last - first + 1, cols=width)
        table.style = "Table Grid"
        for (row, col), item in sorted(sheet.cells.items()):
            if not first <= row <= last:
                continue
            cell = table.cell(row - first, col)
            end_row = min(row - first + item.rows - 1, last - first)
            end_col = min(col + item.cols - 1, width - 1)
            if (end_row, end_col) != (row - first, col):
                cell = cell.merge(table.cell(end_row, end_col))
            cell.text = _shown(item)
        block.clear()

    for row in range(sheet.height):
        cells = [(col, item) for (r, col), item in sheet.cells.items() if r == row]
        if len(cells) == 1 and cells[0][1].bold and cells[0][0] == 0:
            flush()
            document.add_paragraph(_shown(cells[0][1]))
        else:
            block.append(row)
    flush()


# ============================================================================ .odt


_ODT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:text>"
)
_ODT_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_odt(grid: Grid) -> bytes:
    """The sheets as an OpenDocument text, written by hand: a lone bold cell at the left (the
    title, a heading) as a heading paragraph, each run of rows between them as one table."""
    parts = [_ODT_HEAD]
    for sheet in grid.sheets:
        block: list[int] = []

        def flush(block: list[int] = block, sheet: Sheet = sheet) -> None:
            if not block:
                return
            first, last = block[0], block[-1]
            width = sheet.width
            covered = {
                (r + dr, c + dc)
                for (r, c), item in sheet.cells.items()
                for dr in range(item.rows)
                for dc in range(item.cols)
                if (dr, dc) != (0, 0)
            }
            parts.append("<table:table>")
            parts.append(f'<table:table-column table:number-columns-repeated="{width}"/>')
            for r in range(first, last + 1):
                parts.append("<table:table-row>")
                for c in range(width):
                    item = sheet.cells.get((r, c))
                    if (r, c) in covered:
                        parts.append("<table:covered-table-cell/>")
                    elif item is None:
                        parts.append("<table:table-cell/>")
                    else:
                        span = ""
                        if item.cols > 1:
                            span += f' table:number-columns-spanned="{min(item.cols, width - c)}"'
                        if item.rows > 1:
                            rows = min(item.rows, last - r + 1)
                            span += f' table:number-rows-spanned="{rows}"'
                        text = "".join(f"<text:p>{escape(line)}</text:p>"
                                       for line in _shown(item).split("\n"))  # fmt: skip
                        parts.append(f'<table:table-cell office:value-type="string"{span}>'
                                     f"{text}</table:table-cell>")  # fmt: skip
                parts.append("</table:table-row>")
            parts.append("</table:table>")
            block.clear()

        for r in range(sheet.height):
            cells = [(c, item) for (row, c), item in sheet.cells.items() if row == r]
            if len(cells) == 1 and cells[0][1].bold and cells[0][0] == 0:
                flush()
                parts.append(f'<text:h text:outline-level="2">{escape(str(cells[0][1].value))}'
                             "</text:h>")  # fmt: skip
            else:
                block.append(r)
        flush()
    parts.append("</office:text></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        package.writestr("META-INF/manifest.xml", _ODT_MANIFEST, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", "".join(parts), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_pdf(grid: Grid, face: str | None = None) -> bytes:
    """The form sheet drawn by reportlab: its own table drawing (ruled cells, figures set to
    the right edge, text to the left), a Thai TrueType face, A4 pages."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    path = face or _thai_face()
    font = "EditedThai" if face is None else "Edited-" + path.rsplit("/", 1)[-1].split(".")[0]
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, path))
    if "EditedSymbols" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("EditedSymbols", _symbol_face()))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    for sheet in grid.sheets:
        if sheet.width >= 2:  # a sheet of drop-down lists is not printed
            _pdf_sheet(page, sheet, font)
            page.showPage()
    page.save()
    return out.getvalue()


def _pdf_sheet(page: Any, sheet: Sheet, font: str = "EditedThai") -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics

    page_width, page_height = A4
    margin, line = 36.0, 14.0
    widths = [0.0] * sheet.width
    for (_, col), item in sheet.cells.items():
        if item.cols == 1:
            size = pdfmetrics.stringWidth(_shown(item).split("\n")[0], font, 9) + 8
            widths[col] = max(widths[col], min(size, 150.0))
    widths = [max(w, 26.0) for w in widths]
    scale = min(1.0, (page_width - 2 * margin) / sum(widths))
    lefts = [margin]
    for width in widths:
        lefts.append(lefts[-1] + width * scale)
    y = page_height - margin
    for row in range(sheet.height):
        items = sorted((col, item) for (r, col), item in sheet.cells.items() if r == row)
        wrapped = {}
        for col, item in items:
            room = lefts[min(col + item.cols, len(lefts) - 1)] - lefts[col] - 6
            size = 10 if item.bold else 9
            wrapped[col] = [part for text in _shown(item).split("\n")
                            for part in _wrap(text, room, size, font)]  # fmt: skip
        lines = max((len(parts) for parts in wrapped.values()), default=1)
        height = line * lines + 4
        if y - height < margin:
            page.showPage()
            y = page_height - margin
        for col, item in items:
            x0, x1 = lefts[col], lefts[min(col + item.cols, len(lefts) - 1)]
            page.rect(x0, y - height, x1 - x0, height, stroke=1, fill=0)
            for number, text in enumerate(wrapped[col]):
                base = y - line * (number + 1)
                face = "EditedSymbols" if text.strip() in _SYMBOLS else font
                page.setFont(face, 10 if item.bold else 9)
                if isinstance(item.value, int | float) and not isinstance(item.value, bool):
                    page.drawRightString(x1 - 3, base, text)
                else:
                    page.drawString(x0 + 3, base, text)
        y -= height


_SYMBOLS = frozenset("✓✔☒☐")
_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b"
                   "\u0e4c\u0e4d\u0e4e\u0e33")  # fmt: skip


def _wrap(text: str, room: float, size: float, font: str = "EditedThai") -> list[str]:
    """``text`` in lines that fit ``room`` points: broken at a space where one is, else
    between two letters (never before a mark drawn on the letter before it)."""
    from reportlab.pdfbase import pdfmetrics

    def fits(part: str) -> bool:
        return bool(pdfmetrics.stringWidth(part, font, size) <= room)

    lines: list[str] = []
    rest = text
    while rest and not fits(rest):
        cut = len(rest)
        while cut > 1 and not fits(rest[:cut]):
            cut -= 1
        space = rest.rfind(" ", 0, cut)
        if space > 0:
            cut = space
        while cut > 1 and rest[cut] in _MARKS:
            cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    lines.append(rest)
    return lines


def _thai_face() -> str:
    import glob

    for pattern in ("/usr/share/fonts/truetype/tlwg/Sawasdee.ttf",
                    "/usr/share/fonts/truetype/tlwg/Umpush.ttf",
                    "/usr/share/fonts/truetype/tlwg/*.ttf"):  # fmt: skip
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise FileNotFoundError("no Thai TrueType face (apt-get install fonts-thai-tlwg)")


def _symbol_face() -> str:
    """A face with the check marks the Thai faces lack (a producer falls back to one)."""
    import glob

    found = sorted(glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    if not found:
        raise FileNotFoundError("no DejaVu Sans (apt-get install fonts-dejavu-core)")
    return found[0]


WRITERS: dict[str, Callable[[Grid], bytes]] = {
    "xlsx": write_xlsx,
    "xls": write_xls,
    "ods": write_ods,
    "docx": write_docx,
    "odt": write_odt,
    "pdf": write_pdf,
}


# ============================================================================ the corpus


@dataclass(frozen=True)
class EditedForm:
    format: str
    edit: str
    share: str
    truth: dict[str, Any]
    data: bytes
    expected_problems: tuple[str, ...] = ()  # problem fields the form must raise


def edited_form(fmt: str, edit: str, share: str, rng: random.Random) -> EditedForm:
    """One form of ``fmt`` with the edit ``edit``, in ``share`` ("dev" or "held")."""
    truth = random_truth(rng)
    style = _style(edit, share, rng)
    grid = _build(truth, style, rng)
    expected = ("reporter_name", "reporter_position", "report_date") if style.blank_signoff else ()
    return EditedForm(fmt, edit, share, truth, WRITERS[fmt](grid), expected)


def generate(
    count: int, *, fmt: str, edit: str, share: str, seed: int | None = None
) -> Iterator[EditedForm]:
    """``count`` forms of one format and edit; the share's own seed unless ``seed`` is given."""
    base = seed if seed is not None else (DEV_SEED if share == "dev" else HELD_SEED)
    rng = random.Random(f"{fmt}-{edit}-{share}-{base}")
    for _ in range(count):
        yield edited_form(fmt, edit, share, rng)
