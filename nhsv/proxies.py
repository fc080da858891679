"""Trusted reverse proxies: the client address and scheme come from X-Forwarded-For and X-Forwarded-Proto only
when the request arrives from one of the exact addresses in NHSV_FORWARDED_ALLOW_IPS.

Networks are refused: with Docker's 172.16.0.0/12 trusted, any container could claim any client address, rotate
it past the per-address login delay, and have the forged address written to the audit log. A proxy on the Docker
host reaches the app from the bridge's gateway, which docker-compose.yml fixes to one address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from nhsv import settings
from nhsv.settings import ConfigurationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _plain(ip: Address) -> Address:
    """An IPv4-mapped IPv6 address (::ffff:192.0.2.1, as dual-stack sockets report IPv4 peers) as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def trusted_proxies(value: str | None = None) -> frozenset[Address]:
    """NHSV_FORWARDED_ALLOW_IPS, checked: exact addresses only; ConfigurationError (Dutch) otherwise."""
    value = settings.get("NHSV_FORWARDED_ALLOW_IPS") if value is None else value
    found = set()
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            found.add(_plain(ipaddress.ip_address(item)))
            continue
        except ValueError:
            pass
        if item == "*" or "/" in item:
            raise ConfigurationError(
                f"NHSV_FORWARDED_ALLOW_IPS bevat {item!r}: vertrouw alleen de exacte adressen van de proxy's, geen "
                "netwerken of *; anders kan elk apparaat in dat netwerk zich als een ander clientadres voordoen.")
        raise ConfigurationError(f"NHSV_FORWARDED_ALLOW_IPS bevat een ongeldig adres: {item!r}.")
    return frozenset(found)


class TrustedProxyFix:
    """Werkzeug's ProxyFix (client address and scheme from X-Forwarded-For/-Proto, one proxy deep), applied
    only to requests that come from a trusted proxy: a client that reaches the server directly cannot forge
    its address (which login throttling counts and the audit log keeps) or pretend to use HTTPS."""

    def __init__(self, app: Callable, trusted: Iterable[Address]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.trusted = frozenset(_plain(ip) for ip in trusted)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)

    def is_trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").split("%")[0])
        except ValueError:
            return False
        return _plain(ip) in self.trusted

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def behind_proxy(server):
    """The Flask server with TrustedProxyFix in front of it when NHSV_FORWARDED_ALLOW_IPS names proxies."""
    trusted = trusted_proxies()
    if trusted:
        server.wsgi_app = TrustedProxyFix(server.wsgi_app, trusted)
    return server
