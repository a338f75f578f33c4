"""The sample center systems' data: realistic enough to be mistaken for the real thing."""
from __future__ import annotations

import random

import pytest

from adapters.sample.data import application_records, id_number


def check_digit(body: str) -> str:
    """GB 11643-1999 computed from its definition: weights 2^(17-i) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    return "10X98765432"[total % 11]


def test_check_digit_of_a_published_example() -> None:
    # The standard's own example number (Beijing, 1949-12-31).
    assert check_digit("11010519491231002") == "X"


@pytest.mark.parametrize("seed", range(5))
def test_generated_id_numbers_carry_a_valid_check_digit(seed: int) -> None:
    rng = random.Random(seed)
    numbers = [id_number(rng) for _ in range(200)]
    assert all(len(n) == 18 and n[-1] == check_digit(n[:17]) for n in numbers)


def test_synced_cases_carry_valid_id_numbers() -> None:
    records = list(application_records("binhe", 200))
    assert all(r["applicant_id_number"][-1] == check_digit(r["applicant_id_number"][:17])
               for r in records)


def test_a_blank_writing_center_exports_empty_fields_as_empty_strings():
    from adapters.sample.data import BLANK_WRITING_CENTERS, as_exported, staff_records

    center = BLANK_WRITING_CENTERS[0]
    exported = as_exported(center, staff_records(center, 6))
    assert [r["department"] for r in exported if r["roles"] == "clerk"] == [""] * 4
    assert as_exported("binhe", staff_records("binhe", 6)) == staff_records("binhe", 6)
