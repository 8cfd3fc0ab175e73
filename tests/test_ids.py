"""Check characters of Unified Social Credit Codes and resident identity numbers."""

import pandas as pd
import pytest

from ingest.ids import (
    is_valid_resident_id,
    is_valid_uscc,
    resident_id_check_char,
    uscc_check_char,
    valid_resident_ids,
    valid_usccs,
)


def test_uscc_check_char_of_a_published_example() -> None:
    # The example code printed in GB 32100-2015's explanatory material
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")


def test_resident_id_check_char_of_the_standards_example() -> None:
    # GB 11643-1999 annex example: 11010519491231002X
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002X")


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000I00Y43",  # I is not in the alphabet
        "",
    ],
)
def test_bad_usccs_are_refused(code: str) -> None:
    assert not is_valid_uscc(code)


@pytest.mark.parametrize(
    "ident",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002x",  # lower-case x is not the standard's X
        "1101051949123100A2",
        "11010519491231002",
    ],
)
def test_bad_resident_ids_are_refused(ident: str) -> None:
    assert not is_valid_resident_id(ident)


def test_vectorised_checks_agree_with_scalar_ones() -> None:
    codes = pd.Series(
        ["91350100M000100Y43", "91350100M000100Y44", "短", None, "9135中100M000100Y43"]
    )
    assert valid_usccs(codes).tolist() == [True, False, False, False, False]
    ids = pd.Series(["11010519491231002X", "110105194912310021", None])
    assert valid_resident_ids(ids).tolist() == [True, False, False]
