"""ingest: read a portfolio folder, enforce the interchange format, pseudonymise personal ids.

It hands typed tables on to ``graph/`` and knows nothing of stores or models.
"""

from ingest.arrow import arrow_text
from ingest.ids import is_valid_resident_id, is_valid_uscc, resident_id_check_char, uscc_check_char
from ingest.portfolio import ValidatedPortfolio, validate_portfolio
from ingest.pseudonymise import Pseudonymiser, mask_id
from ingest.report import IngestReport
from ingest.schema import TABLES, Reason

__all__ = [
    "IngestReport",
    "Pseudonymiser",
    "Reason",
    "TABLES",
    "ValidatedPortfolio",
    "arrow_text",
    "is_valid_resident_id",
    "is_valid_uscc",
    "mask_id",
    "resident_id_check_char",
    "uscc_check_char",
    "validate_portfolio",
]
