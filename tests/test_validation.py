"""Every row rule of portfolio-format.md: a bad row is rejected with file, line, column and
reason; every good row still loads."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from ingest import Pseudonymiser, mask_id, validate_portfolio
from ingest.pseudonymise import mask_ids
from riskgraph.errors import PortfolioError

Rows = dict[str, list[dict[str, object]]]


def _validate(tmp_path: Path, tables: Rows, p: Pseudonymiser, **kw: object):  # type: ignore[no-untyped-def]
    folder = write_portfolio(tmp_path / "pf", tables, **kw)  # type: ignore[arg-type]
    return validate_portfolio(folder, p)


def _mutated(table: str, row: int, **changes: object) -> Rows:
    t = copy.deepcopy(small_portfolio())
    t[table][row].update(changes)
    return t


# (table, row, changes, reason, column)
SINGLE_ROW_RULES = [
    ("enterprises", 1, {"name": ""}, "missing_value", "name"),
    ("enterprises", 1, {"enterprise_id": uscc(2)[:-1] + "0"}, "bad_id", "enterprise_id"),
    ("persons", 2, {"person_id": rid(3, "19700303")[:-1] + "0"}, "bad_id", "person_id"),
    ("enterprises", 0, {"status": "bankrupt"}, "unknown_enum", "status"),
    ("positions", 2, {"role": "chairman"}, "unknown_enum", "role"),
    ("loans", 0, {"amount": "1,000"}, "bad_number", "amount"),
    ("enterprises", 0, {"f_score": "high"}, "bad_number", "f_score"),
    ("loans", 1, {"overdue_days": "4.5"}, "bad_number", "overdue_days"),
    ("enterprises", 0, {"established": "2010/05/01"}, "bad_date", "established"),
    ("loans", 0, {"maturity": "2027-02-30"}, "bad_date", "maturity"),
    ("loans", 0, {"outstanding": -1}, "negative_amount", "outstanding"),
    ("enterprises", 2, {"total_assets": -5}, "negative_amount", "total_assets"),
    ("shareholdings", 0, {"ratio": 1.2}, "ratio_out_of_range", "ratio"),
    ("shareholdings", 0, {"ratio": 0}, "ratio_out_of_range", "ratio"),
    ("loans", 0, {"start": "2026-01-01"}, "date_after_as_of", "start"),
    ("events", 0, {"date": "2026-03-01"}, "date_after_as_of", "date"),
    ("shareholdings", 1, {"holder_id": uscc(1)}, "self_loop", "holder_id"),
    ("family", 0, {"relative_id": rid(1)}, "self_loop", "relative_id"),
    ("guarantees", 0, {"guarantor_id": uscc(1)}, "self_loop", "guarantor_id"),
    ("loans", 0, {"default_date": "2025-10-01"}, "default_date_mismatch", "default_date"),
    ("loans", 0, {"status": "default"}, "default_date_mismatch", "default_date"),
    ("positions", 0, {"enterprise_id": uscc(99)}, "unknown_reference", "enterprise_id"),
    ("guarantees", 2, {"loan_id": "L404"}, "unknown_reference", "loan_id"),
    ("events", 0, {"entity_id": rid(77)}, "unknown_reference", "entity_id"),
]


@pytest.mark.parametrize(
    "table,row,changes,reason,column",
    SINGLE_ROW_RULES,
    ids=[f"{r[0]}-{r[3]}-{r[4]}" for r in SINGLE_ROW_RULES],
)
def test_a_row_breaking_one_rule_is_rejected_and_the_rest_load(
    tmp_path: Path,
    pseudonymiser: Pseudonymiser,
    table: str,
    row: int,
    changes: dict[str, object],
    reason: str,
    column: str,
) -> None:
    tables = _mutated(table, row, **changes)
    if any(k.startswith("f_") for k in changes):  # every other row gets a good feature value
        for r in tables[table]:
            r.setdefault("f_score", 1.5)
    p = validate_portfolio(write_portfolio(tmp_path / "pf", tables), pseudonymiser)
    rejects = p.report.rejects
    own = rejects[rejects.file == f"{table}.csv"]
    assert own[["file", "line", "column", "reason"]].values.tolist() == [
        [f"{table}.csv", row + 2, column, reason]
    ]
    assert p.report.files[table].by_reason == {reason: 1}
    assert len(p.tables[table]) == len(small_portfolio()[table]) - 1
    # rows elsewhere are rejected only because they refer to the rejected one (or, when the
    # id itself was changed, to the id that is now nowhere)
    allowed = {"rejected_reference"} | ({"unknown_reference"} if column.endswith("_id") else set())
    assert set(rejects.reason[rejects.file != f"{table}.csv"]) <= allowed
    for name, rows in small_portfolio().items():
        assert len(p.tables[name]) + p.report.files[name].rejected == len(rows), name


def test_a_duplicate_key_rejects_every_row_sharing_it(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = small_portfolio()
    t["loans"].append(dict(t["loans"][1], amount=1))
    p = _validate(tmp_path, t, pseudonymiser)
    rej = p.report.rejects
    assert sorted(rej[rej.file == "loans.csv"].line.tolist()) == [3, 4]
    assert set(rej.reason[rej.file == "loans.csv"]) == {"duplicate_key"}
    # L2 is gone, so the guarantee on it is rejected in turn
    g = rej[rej.file == "guarantees.csv"]
    assert g[["line", "reason", "key"]].values.tolist() == [[3, "rejected_reference", "G2"]]


def test_an_id_in_both_entity_tables_is_rejected_in_both(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = small_portfolio()
    shared = rid(50)
    t["enterprises"].append({"enterprise_id": shared, "name": "x"})  # not a USCC -> bad_id first
    p = _validate(tmp_path, t, pseudonymiser)
    assert p.report.files["enterprises"].by_reason == {"bad_id": 1}
    t = small_portfolio()
    digits = "913301000000000013"  # a valid all-digit USCC that is also a valid resident id
    from ingest.ids import is_valid_resident_id, is_valid_uscc

    if not (is_valid_uscc(digits) and is_valid_resident_id(digits)):
        digits = _both_valid()
    t["enterprises"].append({"enterprise_id": digits, "name": "双重"})
    t["persons"].append({"person_id": digits, "name": "双重"})
    p = _validate(tmp_path / "2", t, pseudonymiser)
    assert p.report.files["enterprises"].by_reason == {"duplicate_key": 1}
    assert p.report.files["persons"].by_reason == {"duplicate_key": 1}


def _both_valid() -> str:
    from ingest.ids import resident_id_check_char, uscc_check_char

    for n in range(10**6):
        body = f"11010519800101{n:03d}"[:17]
        body = f"{110105198001010 + n:017d}"
        c1, c2 = uscc_check_char(body), resident_id_check_char(body)
        if c1 == c2 and c1.isdigit():
            return body + c1
    raise AssertionError("no id valid in both schemes")


def test_rows_referencing_a_rejected_enterprise_are_rejected_in_turn(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = _mutated("enterprises", 0, name="")  # A (Huaxin Steel) rejected
    p = _validate(tmp_path, t, pseudonymiser)
    by_file = p.report.rejects.groupby("file").reason.apply(list).to_dict()
    assert by_file["enterprises.csv"] == ["missing_value"]
    assert by_file["positions.csv"] == ["rejected_reference"]  # Zhang Wei's post in A
    assert by_file["shareholdings.csv"] == ["rejected_reference"]  # H holds 70% of A
    assert by_file["loans.csv"] == ["rejected_reference"]  # L1
    # G1 and G3 are on L1 (rejected loan), G2 is given by A
    assert by_file["guarantees.csv"] == ["rejected_reference"] * 3
    assert by_file["contacts.csv"] == ["rejected_reference"]


def test_a_date_after_as_of_is_allowed_for_maturities_and_planned_ends(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = small_portfolio()
    t["positions"][0]["end"] = "2030-01-01"
    t["guarantees"][0]["end"] = "2030-01-01"
    p = _validate(tmp_path, t, pseudonymiser)
    assert p.report.rejected == 0


def test_person_ids_never_leave_ingest_in_clear(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = _mutated("family", 0, relation="cousin")
    p = _validate(tmp_path, t, pseudonymiser)
    clear = {r["person_id"] for r in small_portfolio()["persons"]}
    for frame in p.tables.values():
        for col in frame.columns:
            assert not set(frame[col].astype(str)) & clear, col
    assert p.tables["persons"]["person_id"].str.match(r"^P[0-9a-f]{32}$").all()
    assert p.tables["persons"]["id_masked"].tolist()[0] == rid(1)[:3] + "*" * 11 + rid(1)[-4:]
    # the reject report names the family row by the masked id
    assert p.report.rejects["key"].tolist() == [rid(1)[:3] + "*" * 11 + rid(1)[-4:]]


def test_shareholdings_over_100_percent_are_a_warning_not_a_rejection(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = small_portfolio()
    t["shareholdings"].append(
        {"holder_id": rid(3, "19700303"), "enterprise_id": uscc(1), "ratio": 0.5}
    )
    p = _validate(tmp_path, t, pseudonymiser)
    assert p.report.rejected == 0
    assert [w.key for w in p.report.warnings] == [uscc(1)]


def test_a_file_in_another_encoding_is_a_whole_file_error(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    folder = write_portfolio(tmp_path / "pf", small_portfolio())
    text = (folder / "enterprises.csv").read_text(encoding="utf-8")
    (folder / "enterprises.csv").write_bytes(text.encode("gb18030"))
    with pytest.raises(PortfolioError, match=r"enterprises\.csv: not UTF-8"):
        validate_portfolio(folder, pseudonymiser)


def test_an_unknown_column_is_a_whole_file_error(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = small_portfolio()
    t["loans"][0]["interest_rate"] = 0.05
    with pytest.raises(PortfolioError, match=r"loans\.csv: unknown column\(s\) interest_rate") as e:
        _validate(tmp_path, t, pseudonymiser)
    assert [err.file for err in e.value.report.errors] == ["loans.csv"]  # type: ignore[attr-defined]


def test_utf8_with_bom_is_accepted(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    folder = write_portfolio(tmp_path / "pf", small_portfolio())
    path = folder / "persons.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    p = validate_portfolio(folder, pseudonymiser)
    assert p.report.rejected == 0 and len(p.tables["persons"]) == 3


def test_parquet_tables_validate_like_csv(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    t = _mutated("loans", 0, outstanding=-1)
    a = _validate(tmp_path / "csv", t, pseudonymiser)
    b = _validate(tmp_path / "pq", t, pseudonymiser, fmt="parquet")
    assert a.report.summary()["files"] == b.report.summary()["files"]
    pd.testing.assert_frame_equal(a.tables["loans"], b.tables["loans"])


def test_without_manifest_the_as_of_must_be_given(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    folder = write_portfolio(tmp_path / "pf", small_portfolio(), as_of=None)
    with pytest.raises(PortfolioError, match="as_of"):
        validate_portfolio(folder, pseudonymiser)
    p = validate_portfolio(folder, pseudonymiser, as_of=date(2025, 12, 31))
    assert p.as_of == date(2025, 12, 31)


def test_report_files_have_the_promised_shape(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    p = _validate(tmp_path, _mutated("guarantees", 2, loan_id="L404"), pseudonymiser)
    p.report.write(tmp_path / "rep")
    assert (tmp_path / "rep" / "rejects.csv").read_text().splitlines() == [
        "file,line,column,reason,key",
        "guarantees.csv,4,loan_id,unknown_reference,G3",
    ]
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert summary["files"]["guarantees"] == {
        "accepted": 2,
        "rejected": 1,
        "by_reason": {"unknown_reference": 1},
    }
    assert summary["warnings"] == [] and summary["errors"] == []


def test_an_all_digit_enterprise_id_is_never_taken_for_a_person(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    from ingest.ids import uscc_check_char

    # pre-2015 codes embed a 9-digit organisation code: some whole codes are all digits
    digits = next(
        b + uscc_check_char(b)
        for b in (f"913301000000000{n:02d}" for n in range(100))
        if uscc_check_char(b).isdigit()
    )
    t = small_portfolio()
    t["enterprises"].append({"enterprise_id": digits, "name": "老字号有限公司"})
    t["loans"].append(
        {
            "loan_id": "L9",
            "borrower_id": digits,
            "lender": "ICBC",
            "amount": 1,
            "outstanding": 1,
            "start": "2020-01-01",
            "maturity": "2030-01-01",
            "status": "performing",
        }
    )
    t["guarantees"].append(
        {"guarantee_id": "G9", "guarantor_id": digits, "loan_id": "L1", "amount": 1}
    )
    p = _validate(tmp_path, t, pseudonymiser)
    assert p.report.rejected == 0
    assert digits in set(p.tables["loans"]["borrower_id"])
    assert digits in set(p.tables["guarantees"]["guarantor_id"])


@pytest.mark.parametrize("secret", [b"k", b"s" * 64, b"a-secret-longer-than-a-block-" * 4])
def test_the_keys_of_many_ids_are_the_key_of_each(secret: bytes) -> None:
    p = Pseudonymiser(secret)
    ids = pd.Series([rid(1), rid(2).lower(), f" {rid(3)} ", rid(1)], dtype="str")
    assert p.keys(ids).tolist() == [p.key(i) for i in ids]


def test_masking_many_ids_masks_each_like_one() -> None:
    values = ["", "abc", "1234567", "12345678", rid(1), "中文中文中文中文中"]
    assert mask_ids(pd.Series(values, dtype="str")).tolist() == [mask_id(v) for v in values]
