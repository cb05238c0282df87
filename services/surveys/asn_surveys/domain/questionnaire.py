"""The SKM questionnaire as citizens see it: question text and answer labels per element.

Questions are asked in the order of the model questionnaire of Permenpan RB 14/2017, which puts
sarana (U9) before pengaduan (U8); answers are still stored and exchanged by element code.
"""

from __future__ import annotations

from typing import Any

from asn_platform.vocabulary import (
    BIDANG_LABELS,
    EDUCATION_LABELS,
    ELEMENTS,
    OCCUPATION_LABELS,
    SEX_LABELS,
    Bidang,
    Education,
    ElementCode,
    Occupation,
    Sex,
)

QUESTION_ORDER: tuple[ElementCode, ...] = (
    ElementCode.U1,
    ElementCode.U2,
    ElementCode.U3,
    ElementCode.U4,
    ElementCode.U5,
    ElementCode.U6,
    ElementCode.U7,
    ElementCode.U9,
    ElementCode.U8,
)

QUESTIONS: dict[ElementCode, tuple[str, str]] = {
    ElementCode.U1: (
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well did the requirements match the service you received?",
    ),
    ElementCode.U2: (
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the service procedure at this unit?",
    ),
    ElementCode.U3: (
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
    ),
    ElementCode.U4: (
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How reasonable was the cost or fee of the service?",
    ),
    ElementCode.U5: (
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "Did the result match what the service standard promises?",
    ),
    ElementCode.U6: (
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff who served you?",
    ),
    ElementCode.U7: (
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the staff?",
    ),
    ElementCode.U9: (
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good were the facilities and infrastructure?",
    ),
    ElementCode.U8: (
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How were complaints, suggestions and feedback handled?",
    ),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def questions(lang: str = "id") -> list[dict[str, Any]]:
    """The nine questions in asking order, each with its four answer labels."""
    en = lang == "en"
    out = []
    for number, code in enumerate(QUESTION_ORDER, start=1):
        element = ELEMENTS[code]
        labels = element.labels_en if en else element.labels_id
        out.append(
            {
                "number": number,
                "code": code.value,
                "element": element.name_en if en else element.name_id,
                "question": pick(QUESTIONS[code], lang),
                "answers": [{"value": v, "label": labels[v - 1]} for v in (1, 2, 3, 4)],
            }
        )
    return out


def profile_choices(lang: str = "id") -> dict[str, list[dict[str, str]]]:
    return {
        "sex": [{"value": s.value, "label": pick(SEX_LABELS[s], lang)} for s in Sex],
        "education": [
            {"value": e.value, "label": pick(EDUCATION_LABELS[e], lang)} for e in Education
        ],
        "occupation": [
            {"value": o.value, "label": pick(OCCUPATION_LABELS[o], lang)} for o in Occupation
        ],
    }


def bidang_label(bidang: Bidang, lang: str = "id") -> str:
    return pick(BIDANG_LABELS[bidang], lang)
