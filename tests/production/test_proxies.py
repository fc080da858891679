"""Trusted proxies: forwarded headers count only from a trusted proxy, and the compose setup trusts only the
gateway the host's proxy comes from."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from etl import schema
from nhsv import proxies
from nhsv.settings import ConfigurationError
from tests.production.helpers import PASSWORD, ROOT

# --- trusted proxies -------------------------------------------------------------------------------------------


def _echo(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


def _call(app, remote_addr: str, forwarded_for: str = "203.0.113.9", proto: str = "https") -> str:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "HTTP_X_FORWARDED_FOR": forwarded_for, "HTTP_X_FORWARDED_PROTO": proto}
    return b"".join(app(environ, lambda *_args: None)).decode()


class _Server:
    def __init__(self):
        self.wsgi_app = _echo


def test_forwarded_headers_count_only_from_trusted_proxies(monkeypatch):
    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", "127.0.0.1, 172.29.80.1")
    app = proxies.behind_proxy(_Server()).wsgi_app
    assert _call(app, "127.0.0.1") == "203.0.113.9 https"
    assert _call(app, "172.29.80.1", "198.51.100.1, 203.0.113.9") == "203.0.113.9 https"  # the last hop counts
    assert _call(app, "::ffff:172.29.80.1") == "203.0.113.9 https"  # the proxy, as a dual-stack socket reports it
    assert _call(app, "172.29.80.5") == "172.29.80.5 http"  # a neighbour of the proxy is no proxy
    assert _call(app, "198.51.100.7") == "198.51.100.7 http"  # a direct client cannot forge its address
    assert _call(app, "not-an-address") == "not-an-address http"

    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", "")
    assert proxies.behind_proxy(_Server()).wsgi_app is _echo
    for networks in ("*", "172.16.0.0/12", "127.0.0.1, 10.0.0.0/8", "::1/128"):
        monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", networks)
        with pytest.raises(ConfigurationError, match="geen netwerken"):
            proxies.behind_proxy(_Server())


def compose_proxy_setup() -> tuple[str, str, str]:
    """The proxy address the compose file trusts by default, and the default subnet and gateway of its network."""
    import yaml

    def default(value: str) -> str:
        match = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", str(value))
        return match.group(1) if match else str(value)

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    trusted = default(compose["services"]["app"]["environment"]["NHSV_FORWARDED_ALLOW_IPS"])
    ipam = compose.get("networks", {}).get("default", {}).get("ipam", {}).get("config", [{}])[0]
    return trusted, default(ipam.get("subnet", "")), default(ipam.get("gateway", ""))


def test_compose_trusts_only_the_gateway_the_host_proxy_comes_from():
    import ipaddress

    trusted, subnet, gateway = compose_proxy_setup()
    assert proxies.trusted_proxies(trusted) == {ipaddress.ip_address(gateway)}
    assert ipaddress.ip_address(gateway) in ipaddress.ip_network(subnet)


def test_a_container_beside_the_proxy_cannot_rotate_its_address(make_app, engine, monkeypatch):
    """Another container on the compose network sends a new X-Forwarded-For with every wrong password: it is
    slowed down and logged at its real address, as the compose file's proxy setting is applied."""
    import datetime as dt
    import ipaddress

    from dashboard import auth
    from dashboard.auth import throttle
    from tests.auth.helpers import csrf_token

    trusted, subnet, gateway = compose_proxy_setup()
    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", trusted)
    now = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(throttle, "utcnow", lambda: now)  # delays do not run out on a slow machine
    app = make_app(NHSV_LOGIN_MAX_FAILURES=1)
    server = proxies.behind_proxy(app.server)
    neighbour = str(ipaddress.ip_network(subnet)[5])
    auth.add_user(engine, "slachtoffer@example.nl", "coordinator", None, PASSWORD, actor="test")
    statuses = []
    for i in range(6):  # 4 per address are free with one per account, each on another account here
        client = server.test_client()
        client.environ_base["REMOTE_ADDR"] = neighbour
        forged = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
        token = csrf_token(client)
        statuses.append(client.post("/login", headers=forged, data={
            "csrf_token": token, "email": f"gok{i}@example.nl", "password": "fout-fout-fout"}).status_code)
    assert statuses == [401, 401, 401, 401, 429, 429]
    with engine.connect() as conn:
        addresses = set(conn.execute(select(schema.audit_log.c.address)
                                     .where(schema.audit_log.c.event.like("login_%"))).scalars())
    assert addresses == {neighbour}
    # the proxy itself is trusted: through it, the client's address counts
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = gateway
    token = csrf_token(client)
    response = client.post("/login", headers={"X-Forwarded-For": "198.51.100.20"}, data={
        "csrf_token": token, "email": "slachtoffer@example.nl", "password": PASSWORD})
    assert response.status_code == 302
