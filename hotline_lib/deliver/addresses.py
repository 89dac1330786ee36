"""The addresses of ``hotline email`` (--to, --from), read as the address lists they are.

Why: a value of --to may hold several addresses ("a@example.org, b@example.org"); taken as one
string it passed as one address. And a line break in an address would start a header of its own
(header injection): the e-mail library refuses it deep inside, as a bare ValueError, so it is
refused here first, as one line naming the option.
"""

from __future__ import annotations

from email.utils import formataddr, getaddresses

from hotline_lib.core.errors import HotlineError

#: Characters that end a header line: never in an address.
LINE_BREAKS = ("\r", "\n")


class AddressError(HotlineError):
    """An address given to ``hotline email`` that cannot go into a header."""


def check_one_line(option: str, value: str) -> None:
    """A header value is one line: a CR or LF would start a header of its own."""
    if any(c in value for c in LINE_BREAKS):
        raise AddressError("{option} {value!r} holds a line break: an address is one line", option=option,
                           value=value)


def parse_addresses(option: str, values: list[str]) -> list[str]:
    """Every address in ``values`` (each value may list several, separated by commas), checked and
    formatted for a header ("Name <a@example.org>" or "a@example.org"); an address given twice is kept once."""
    found: dict[str, str] = {}
    for value in values:
        check_one_line(option, value)
        pairs = getaddresses([value])
        if not pairs or not any(address for _, address in pairs):
            raise AddressError("not an e-mail address in {option}: {value!r}", option=option, value=value)
        for name, address in pairs:
            check_address(option, address or value)
            found.setdefault(address.lower(), formataddr((name, address)))
    return list(found.values())


def check_address(option: str, address: str) -> None:
    """local@domain: one @, something either side, no space."""
    local, _, domain = address.rpartition("@")
    if not local or not domain or "@" in local or any(c.isspace() for c in address):
        raise AddressError("not an e-mail address in {option}: {value!r}", option=option, value=address)


def parse_sender(value: str) -> str:
    """The one sender address of --from (or $HOTLINE_SMTP_FROM)."""
    addresses = parse_addresses("--from", [value])
    if len(addresses) != 1:
        raise AddressError("--from takes one address; got {count}: {value!r}", count=len(addresses), value=value)
    return addresses[0]
