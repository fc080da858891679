"""What the page tests share: the viewers of each role and the users of the fixture warehouse, reading what a
page renders (texts, tables, cards, selects), the leak check of DOMAIN.md §5, and asking Dash's own endpoint
for a page, a table or a CSV as the browser does."""

from __future__ import annotations

import json
import re

from plotly.io.json import to_json_plotly

from benchmarks.server import on_request_body
from dashboard import data
from dashboard.metrics import MEASURES
from dashboard.viewer import Viewer

OWN = "GM0405"  # Hoorn
PASSWORD = "een-goed-wachtwoord-123"
HOORN_USER, COORDINATOR_USER = "hoorn-pages@example.nl", "coord-pages@example.nl"
COORDINATOR, ADMIN, HOORN = Viewer("coordinator"), Viewer("admin"), Viewer("gemeente", OWN)
ROLES = {"coordinator": COORDINATOR, "admin": ADMIN, "gemeente": HOORN}
LAST = "2025Q2"  # the fixture warehouse's latest quarter
PSEUDONYM = re.compile(r"Gemeente [A-Z]{1,2}")
# column headers and titles of figures that rest on counts of signals or trajectories
COUNT_LABELS = {m.label for m in MEASURES.values() if m.count_based} | {
    "Meldingen", "Totaal", "Radicalisering", "Polarisatie", "Van burgers", "Van professionals",
    "Ingebracht in ZVH", "% ingebracht in ZVH", "Lopende interventietrajecten"}


# --- reading what a page renders ----------------------------------------------------------------------


def to_json(component) -> object:
    """Exactly what Dash would send: the component serialised (figures included) and read back."""
    return json.loads(to_json_plotly(component))


def strings(obj) -> list[str]:
    """Every text in a serialised tree."""
    out: list[str] = []

    def walk(x):
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for key, value in x.items():
                out.append(str(key))
                walk(value)
        elif isinstance(x, list):
            for value in x:
                walk(value)
        elif x is not None and not isinstance(x, bool):
            out.append(str(x))

    walk(obj)
    return out


def text_of(obj) -> str:
    """The visible text of a serialised subtree (children only, no property names or values)."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return str(obj)
    if isinstance(obj, list):
        return " ".join(t for t in (text_of(x) for x in obj) if t)
    if isinstance(obj, dict) and "props" in obj:
        return text_of(obj["props"].get("children"))
    return ""


def render(component) -> tuple[object, str]:
    tree = to_json(component)
    return tree, "\n".join(strings(tree))


def nodes(obj, kind: str):
    """Components of a type (e.g. 'Table', 'Section') in a serialised tree."""
    if isinstance(obj, dict):
        if obj.get("type") == kind and "props" in obj:
            yield obj
        for value in obj.values():
            yield from nodes(value, kind)
    elif isinstance(obj, list):
        for value in obj:
            yield from nodes(value, kind)


def children(node) -> list:
    kids = node.get("props", {}).get("children") if isinstance(node, dict) else None
    if kids is None:
        return []
    return kids if isinstance(kids, list) else [kids]


def tables(tree) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every HTML table, as cell texts."""
    out = []
    for table in nodes(tree, "Table"):
        header: list[str] = []
        rows: list[list[str]] = []
        for part in children(table):
            if not isinstance(part, dict):
                continue
            for tr in nodes(part, "Tr"):
                cells = [text_of(children(c)) for c in children(tr) if isinstance(c, dict)]
                if part.get("type") == "Thead":
                    header.extend(cells)
                else:
                    rows.append(cells)
        out.append((header, rows))
    return out


def cards(tree) -> list[tuple[str, str]]:
    """(title, all text) of every card (a chart or table with its caption)."""
    out = []
    for section in nodes(tree, "Section"):
        titles = [text_of(children(h)) for h in nodes(section, "H2")]
        out.append((titles[0] if titles else "", "\n".join(strings(section))))
    return out


def other_names() -> dict[str, re.Pattern]:
    """Every other NHSV gemeente's name, tile abbreviation and code, as whole words ('Haarlem' is not found in
    'Haarlemmermeer', nor 'Waterland' in the district 'Zaanstreek-Waterland')."""
    tiles = data.tile_positions()
    out = {}
    for code, place in data.region().items():
        if code == OWN:
            continue
        for word in {place.name, tiles[code][2], code}:
            out[word] = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    return out


def leaked(text: str) -> set[str]:
    return {word for word, pattern in other_names().items() if pattern.search(text)}


def assert_within_scope(tree, text: str) -> None:
    """What DOMAIN.md §5 allows a gemeente user: no other gemeente's name or code anywhere, and no row or point
    per other gemeente (no pseudonyms) — in tables, charts or CSV downloads."""
    assert not leaked(text), leaked(text)
    assert not PSEUDONYM.search(text), PSEUDONYM.search(text)  # no rows per other gemeente, not even unnamed
    assert "Meldingen per gemeente" not in text


def _select(tree, name: str) -> dict:
    return next(s["props"] for s in nodes(tree, "Select") if s["props"].get("name") == name)


def options(tree, name: str) -> list[tuple[str, str, bool]]:
    """A select's options as (value, text, selected); components.nav_select sends them as one attribute."""
    return [tuple(item) for item in json.loads(_select(tree, name)["data-options"])]


def selected(tree, name: str) -> list[str]:
    return [value for value, _text, chosen in options(tree, name) if chosen]


def multi_select(tree, name: str) -> bool:
    return bool(_select(tree, name).get("multiple"))


def login_as(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                           headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def route(client, app, pathname: str, search: str = "") -> dict:
    """POST the pages router callback by hand, as a forged request would."""
    client.get("/_dash-layout")  # Dash registers the router on the first request
    response = client.post("/_dash-update-component", json=router_body(app, pathname, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def router_body(app, pathname: str, search: str = "") -> dict:
    """The body the browser posts when Dash's pages router renders `pathname` + `search` (after the first
    request, when Dash has registered the router)."""
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    spec = app.callback_map[key]
    values = {"_pages_location.pathname": pathname, "_pages_location.search": search}

    def item(dep):
        return {**dep, "value": values.get(f"{dep['id']}.{dep['property']}")}

    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
               for part in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs, "inputs": [item(d) for d in spec.get("inputs", [])],
            "state": [item(d) for d in spec.get("state", [])],
            "changedPropIds": ["_pages_location.pathname"]}
    return body


def offered_keys(content, kind: str) -> list[str]:
    """The keys of the placeholders of `kind`: "tabel" (a Div to fill) or "csv" (a Button)."""
    return [node["props"]["id"]["key"] for tag in ("Div", "Button") for node in nodes(content, tag)
            if isinstance(node["props"].get("id"), dict) and node["props"]["id"].get("type") == kind]


def on_request(client, output: str, key: str, pathname: str, search: str = "") -> dict:
    """POST what the browser posts when 'Toon als tabel' is opened or 'Download als CSV' pressed."""
    client.get("/_dash-layout")
    response = client.post("/_dash-update-component", json=on_request_body(output, key, pathname, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]
