"""Checks that stand between warehouse data and anything Asterisk parses.

AMI is a line protocol (``Key: Value\\r\\n``); a CR or LF inside a value would let data inject
its own headers or actions. Dial strings use ``/``, ``@``, ``&``, ``,`` and ``|`` as separators,
and call files are ``Key: Value`` lines as well. So every value that leaves this package goes
through one of these functions, and anything unexpected is refused, never "cleaned".
"""

from __future__ import annotations

import re

from ccdw.errors import CcdwError


class UnsafeValueError(CcdwError):
    """A value from the data is not safe to put into a dial string, AMI header or call file."""


_LINE_BREAKS = ("\r", "\n", "\x00")
_PHONE = re.compile(r"\+?[0-9]{3,20}")
# Dialplan names (context, extension, queue, trunk endpoint): conservative characters only.
_TOKEN = re.compile(r"[A-Za-z0-9_.+\-]{1,80}")
_MEMBER_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_VARIABLE_NAME = re.compile(r"(?:[A-Z][A-Z0-9_]{0,39}|CDR\(userfield\))")
# Caller ID: an optional quoted display name and a number in angle brackets, or a bare number.
_CALLER_ID = re.compile(r'(?:"[A-Za-z0-9 _.\-]{0,40}" )?(?:<\+?[0-9]{3,20}>|\+?[0-9]{3,20})')
_CHANNEL_TEMPLATE = re.compile(r"(?:PJSIP|SIP|IAX2|DAHDI|Local)/[A-Za-z0-9_.+\-@/]*\{number\}[A-Za-z0-9_.+\-@/]*")
# Variables we set ourselves; anything else must be asked for explicitly.
ALLOWED_VARIABLES = frozenset({"CCDW_MEMBER", "CCDW_CAMPAIGN", "CDR(userfield)"})


def _refuse_line_breaks(what: str, value: str) -> None:
    if any(ch in value for ch in _LINE_BREAKS):
        raise UnsafeValueError(f"{what} contains a line break or NUL: refused")


def check_phone(value: object) -> str:
    """An E.164-ish dial number: digits with an optional leading ``+``; anything else refused."""
    text = "" if value is None else str(value)
    _refuse_line_breaks("phone number", text)
    if not _PHONE.fullmatch(text):
        raise UnsafeValueError(
            f"phone number {mask_phone(text)!r} has characters other than digits and a leading +"
        )
    return text


def check_token(what: str, value: object) -> str:
    """A dialplan context, extension, queue or endpoint name."""
    text = "" if value is None else str(value)
    _refuse_line_breaks(what, text)
    if not _TOKEN.fullmatch(text):
        raise UnsafeValueError(f"{what} {text[:40]!r} is not a plain dialplan name")
    return text


def check_member_id(value: object) -> str:
    text = "" if value is None else str(value)
    _refuse_line_breaks("member_id", text)
    if not _MEMBER_ID.fullmatch(text):
        raise UnsafeValueError(f"member_id {text[:40]!r} is not a plain identifier")
    return text


def check_caller_id(value: object) -> str:
    text = "" if value is None else str(value)
    _refuse_line_breaks("caller ID", text)
    if not _CALLER_ID.fullmatch(text):
        raise UnsafeValueError(f"caller ID {text[:60]!r} is not '\"Name\" <number>' or a number")
    return text


def check_channel_template(value: object) -> str:
    """A dial channel template such as ``PJSIP/{number}@trunk``; the number is filled in later."""
    text = "" if value is None else str(value)
    _refuse_line_breaks("dial channel", text)
    if not _CHANNEL_TEMPLATE.fullmatch(text) or text.count("{number}") != 1:
        raise UnsafeValueError(
            f"dial channel {text[:60]!r} must look like 'PJSIP/{{number}}@trunk' "
            "(no '&', ',', '|' or ';')"
        )
    return text


def dial_channel(template: str, phone: str) -> str:
    """The channel to originate: the checked template with the checked number in it."""
    return check_channel_template(template).replace("{number}", check_phone(phone))


def check_variable(name: str, value: object) -> str:
    """``NAME=value`` for ``Variable:``/``Setvar:``; only known names, only plain values."""
    if name not in ALLOWED_VARIABLES or not _VARIABLE_NAME.fullmatch(name):
        raise UnsafeValueError(f"channel variable {name[:40]!r} is not one the adapter may set")
    text = "" if value is None else str(value)
    _refuse_line_breaks(f"variable {name}", text)
    if not _MEMBER_ID.fullmatch(text):
        raise UnsafeValueError(f"value of variable {name} is not a plain identifier")
    return f"{name}={text}"


def check_header(key: str, value: str) -> None:
    """Last line of defence in the AMI writer: no header may carry a line break."""
    _refuse_line_breaks(f"AMI header {key[:30]!r}", key)
    _refuse_line_breaks(f"AMI header {key[:30]!r}", value)
    if ":" in key:
        raise UnsafeValueError(f"AMI header name {key[:30]!r} contains ':'")


def mask_phone(phone: str | None) -> str:
    """``+8613812345678`` → ``+86138****5678`` for logs and messages."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:-8]}****{phone[-4:]}"
