"""Citizens' personal data never leaves in a report: phone and ID numbers in free text are masked."""

from __future__ import annotations

import re

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9Xx])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9Xx])")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def valid_id_number(number: str) -> bool:
    """The check digit of an 18-digit resident ID number (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == number[17].upper()


def mask_personal(text: str) -> str:
    """138****5678 for phone numbers, first 6 + last 4 digits for valid ID numbers."""
    if not text:
        return text
    text = ID_NUMBER.sub(lambda m: f"{m[1]}********{m[3]}" if valid_id_number(m[0]) else m[0], text)
    text = MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return LANDLINE.sub(lambda m: f"{m[1]}****{m[3]}", text)
