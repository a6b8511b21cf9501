"""The one CSV writer of the exports: formulas neutralised in text cells, numbers left numbers."""

import codecs
import csv
import io
from decimal import Decimal

import pytest

from presales.spreadsheet import csv_response, neutralise


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","click")', "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "－1"],
)
def test_text_that_would_start_a_formula_gets_a_leading_quote(text):
    assert neutralise(text) == f"'{text}"


@pytest.mark.parametrize("cell", ["Trip", "1+1", "", " =1", "'quoted", "北区"])
def test_other_text_is_written_as_it_is(cell):
    assert neutralise(cell) == cell


@pytest.mark.parametrize("number", [Decimal("-1200.00"), -3, -0.5, Decimal("12.50")])
def test_numbers_the_product_writes_stay_numbers(number):
    assert neutralise(number) is number


def test_the_response_is_a_utf8_csv_with_a_bom_and_every_cell_checked():
    response = csv_response(filename="x.csv", header=["名称", "=Amount"], rows=[["=1+2", Decimal("-1200.00")]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["名称", "'=Amount"],
        ["'=1+2", "-1200.00"],
    ]
