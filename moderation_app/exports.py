"""Report exports: the same tables a page shows, as CSV or as an XLSX workbook."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(table: pd.DataFrame, filename: str) -> Response:
    """One table as a CSV download."""
    return Response(table.to_csv(index=False), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_response(sheets: Mapping[str, pd.DataFrame], filename: str,
                  about: list[str] | None = None) -> Response:
    """Tables as the sheets of one workbook, headers frozen, plus an "About" sheet."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append([str(c) for c in table.columns])
        for row in table.itertuples(index=False):
            sheet.append([None if pd.isna(v) else v for v in row])
        sheet.freeze_panes = "A2"
    if about:
        notes = book.create_sheet("About")
        for line in about:
            notes.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
