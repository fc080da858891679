"""Submitting data (issue 5): a gemeente user uploads for the own gemeente only, also through Dash's HTTP
endpoint with forged inputs (refused and audited); a coordinator uploads for any gemeente."""

from __future__ import annotations

import base64
import io
import json

import pytest
from openpyxl import load_workbook

from tests.upload.helpers import COORDINATOR, HOORN, PASSWORD, TEXEL, audit_uploads, data_url, shown, text_of, upload

# --- scope: a gemeente user uploads for the own gemeente only ---------------------------------------------


def test_gemeente_user_cannot_upload_for_another_gemeente(engine, workbook, aanleveren, as_viewer):
    texel_file = workbook(code="GM0448")
    before = shown(engine)
    as_viewer(HOORN)
    # a Texel file through the page as it is
    outcome, history = upload(aanleveren, texel_file, "texel.xlsx", code="GM0405")
    assert outcome.startswith("Afgewezen") and "uw eigen gemeente (Hoorn)" in outcome
    # forged inputs: Texel chosen although the page offers only Hoorn
    outcome, history = upload(aanleveren, texel_file, "texel.xlsx", code="GM0448")
    assert outcome.startswith("Geweigerd") and "eigen gemeente" in outcome
    assert "Texel" not in history
    assert shown(engine) == before
    attempts = audit_uploads(engine)
    assert [(a["actor"], a["uitkomst"], a["gemeente_gekozen"]) for a in attempts] == [
        ("hoorn@example.nl", "rejected", "GM0405"), ("hoorn@example.nl", "geweigerd", "GM0448")]
    assert attempts[0]["bevindingen"] == ["andere_gemeente"] and attempts[1]["reden"] == "andere_gemeente"
    # Texel's history does not show Hoorn's refused attempt; Hoorn may not read Texel's history at all
    from dashboard import uploads
    from dashboard.data import Forbidden

    assert uploads.submission_history(TEXEL, "GM0448").empty
    with pytest.raises(Forbidden):
        uploads.submission_history(HOORN, "GM0448")
    # the template of another gemeente is refused too
    as_viewer(HOORN)
    data, message = aanleveren.download_template(1, {"gemeente": "GM0448", "kwartaal": "2026Q3"})
    assert data is __import__("dash").no_update and "eigen gemeente" in text_of(message)


def test_coordinator_uploads_for_any_gemeente_and_sees_its_history(engine, workbook, aanleveren, as_viewer):
    as_viewer(COORDINATOR)
    outcome, history = upload(aanleveren, workbook(code="GM0448"), "texel.xlsx", code="GM0405")
    assert outcome.startswith("Geladen") and "Texel 2026Q3" in outcome
    assert "Aanleveringen van Texel" in history  # the history follows the file's gemeente
    data, _message = aanleveren.download_template(1, {"gemeente": "GM0448", "kwartaal": "2026Q3"})
    assert data["filename"] == "aanlevering_GM0448_2026Q3.xlsx"
    wb = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert next(r for r in wb["Gegevens"].iter_rows(values_only=True) if r[0] == "gemeente_code")[1] == "GM0448"


def test_forged_dash_request_by_a_gemeente_user_is_refused_and_audited(engine, workbook):
    from dashboard import auth
    from dashboard.app import create_app
    from tests.auth.helpers import callback_payload, login

    auth.add_user(engine, "hoorn@example.nl", "gemeente", "GM0405", PASSWORD, actor="test")
    app = create_app()
    client = app.server.test_client()
    assert login(client, "hoorn@example.nl", PASSWORD).status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    key = next(k for k in app.callback_map if "aanleveren-uitkomst.children" in k)
    spec = app.callback_map[key]
    before = shown(engine)
    for code in ("GM0448", "GM0405"):  # Texel forged as the chosen gemeente, and a Texel file for "Hoorn"
        body = callback_payload(key, spec)
        body["inputs"][0]["value"] = data_url(workbook(code="GM0448"))
        for item in body["state"]:
            item["value"] = {"filename": "texel.xlsx", "data": {"gemeente": code, "kwartaal": "2026Q3"}}[
                item["property"]]
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        answer = json.dumps(response.get_json(), ensure_ascii=False)
        assert "eigen gemeente" in answer
    assert shown(engine) == before
    attempts = audit_uploads(engine)
    assert [(a["actor"], a["uitkomst"]) for a in attempts] == [("hoorn@example.nl", "geweigerd"),
                                                               ("hoorn@example.nl", "rejected")]

# The round trip in a real browser is in tests/browser/test_upload_browser.py.
