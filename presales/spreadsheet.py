"""CSV exports that a spreadsheet opens safely: every export writes through ``csv_response``.

Two things go wrong when a CSV is opened in Excel or LibreOffice:

- A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
  which some spreadsheets skip before reading one) is taken as a formula: a ledger reason
  ``=HYPERLINK("http://x","click")`` becomes a live link (CSV injection). Such cells get a
  leading ``'`` (OWASP's advice): the spreadsheet shows the text, quote aside, and runs nothing.
  The full-width forms (``＝`` …) that Chinese input methods type are quoted too: whether a
  spreadsheet reads them as the ASCII ones varies, and a quote before such text costs nothing.
- Without a byte-order mark, Excel in a Chinese locale reads UTF-8 as GBK and the names come
  out garbled; the file starts with one (``utf-8-sig``).

Which cells are neutralised is decided by type, not content: only ``str`` cells, the ones
that carry text someone typed (reasons, names, codes, labels). Numbers the product writes
(``Decimal``, ``int``, ``float``: amounts, hours, ratios) stay as they are, so a released
``-1200.00`` remains a number the spreadsheet can sum; a number has no formula to hide.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(cell: object) -> object:
    """The cell as the spreadsheet should see it: text that would start a formula is quoted."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """An attachment ``filename`` holding ``header`` and ``rows``, UTF-8 with a BOM."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow([neutralise(str(label)) for label in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return response
