"""Issue 5's round trip in the browser: template out, filled in as a person would, uploaded, shown."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import text

from etl import db, prefill


def test_template_filled_in_uploaded_in_the_browser_and_shown_on_the_profile(page_as, live_server, tmp_path):
    engine = db.engine()
    template = prefill.template_bytes(engine, "GM0405", "2026Q3")
    wb = load_workbook(io.BytesIO(template))
    for row in wb["Bouwstenen"].iter_rows(min_row=2):
        if row[0].value == "PR2":
            row[2].value = "Geborgd"
            row[3].value = "Borging via het PGA-overleg."
    for row in wb["Middelen"].iter_rows(min_row=2):
        if row[0].value == "capaciteit_fte":
            row[1].value = 3.5
    path = tmp_path / "aanlevering_GM0405_2026Q3.xlsx"
    wb.save(path)

    page = page_as("gemeente")
    page.goto(live_server + "/aanleveren")
    page.wait_for_selector("#aanleveren-upload")
    page.set_input_files("#aanleveren-upload input[type=file]", str(path))
    outcome = page.locator("#aanleveren-uitkomst")
    outcome.get_by_text("Geladen").wait_for()
    assert "Hoorn 2026Q3" in outcome.inner_text()
    page.locator("#aanleveren-geschiedenis").get_by_text(path.name).first.wait_for()

    page.goto(live_server + "/gemeente/GM0405?kwartaal=2026Q3")
    page.get_by_text("Borging via het PGA-overleg.").wait_for()
    with engine.connect() as conn:
        channel = conn.execute(text("SELECT channel FROM load_run ORDER BY id DESC LIMIT 1")).scalar()
        audited = conn.execute(text("SELECT count(*) FROM audit_log WHERE event = 'upload'")).scalar()
    assert channel == "upload" and audited >= 1
