"""Where a source is, told without opening it: a URL or local files, its label with secrets
hidden, a local path made absolute, and the fingerprint of its files.

No Ibis and no DuckDB here: a run that reuses every report needs nothing more than this.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from salesops import config
from salesops.errors import SourceError

DATABASE_SUFFIXES = (".duckdb", ".db")
TABLE_FILE_SUFFIXES = (".csv.gz", ".csv", ".parquet")
MAPPING_FILE = config.PARAMS_DIR / "mapping.yaml"  # the default mapping of folder sources

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# The password runs from the user's first ":" to the last "@" before the query (or, when it holds
# a "?" or "#" itself, to the last "@" of the URL): any "/", "@" or ":" in it stays hidden.
_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/\s]*):(?P<password>[^\s?#]*|\S*)@"
)
# name=value anywhere (a URL's query, a DSN, a driver's message); the value stops before a
# separator and before punctuation that ends the sentence around it ("...?token=abc: refused").
_PARAM = re.compile(
    r"(?<![\w.-])(?P<name>[\w.-]+)=(?P<value>[^&;\s]*?)(?=[:,.'\")\]]*(?:[&;\s]|$))"
)
_CREDENTIAL_NAME = re.compile(
    r"(?i)pass|pwd|token|secret|key|auth|credential|signature|(?:^|[_.-])(?:sig|sas)(?:$|[_.-])"
)
_PIECE_CHARS = 4  # a piece of a password shorter than this is not hidden on its own


def is_url(source: str) -> bool:
    return bool(_URL.match(source))


def _hide_credential(param: re.Match[str]) -> str:
    if not param["value"] or not _CREDENTIAL_NAME.search(param["name"]):
        return param[0]
    return f"{param['name']}=***"


def redact(source: str) -> str:
    """``source`` with secrets hidden: a URL's password whatever it holds, and the value of every
    parameter whose name looks like a credential (password, passwd, pwd, token, secret, key,
    auth, credential, signature, sig, sas, ... in any case). In doubt it hides more, not less."""
    hidden = _USERINFO.sub(r"\g<scheme>\g<user>:***@", source)
    return _PARAM.sub(_hide_credential, hidden)


def url_secrets(url: str) -> list[str]:
    """The secrets of ``url`` as a driver's error may echo them, longest first: its password,
    the values of its credential parameters, and their pieces between the characters a URL
    parser splits at (``/@:?#&``) of at least ``_PIECE_CHARS`` characters."""
    found = {m["password"] for m in _USERINFO.finditer(url)}
    found |= {m["value"] for m in _PARAM.finditer(url) if _CREDENTIAL_NAME.search(m["name"])}
    pieces = {p for s in found for p in re.split(r"[/@:?#&]", s) if len(p) >= _PIECE_CHARS}
    return sorted((found | pieces) - {""}, key=len, reverse=True)


def absolute(source: str) -> str:
    """``source`` with a local path made absolute, as every report's kernel runs in a folder of
    its own; a URL as given."""
    if not source or is_url(source):
        return source
    return str(Path(source).expanduser().resolve())


def files_fingerprint(files: dict[str, Path]) -> str:
    """A short hex digest of ``files``' names (keys) and contents."""
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(key.encode())
        with files[key].open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def table_files(folder: Path) -> dict[str, Path]:
    """Contract table name -> its file in ``folder``: ``<table>.csv``, ``.csv.gz``, ``.parquet``."""
    from salesops.data.contract import TABLES  # the contract brings Ibis: only folders need it

    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        suffix = next((s for s in TABLE_FILE_SUFFIXES if lower.endswith(s)), None)
        name = lower.removesuffix(suffix) if suffix else ""
        if not path.is_file() or name not in TABLES:
            continue
        if name in files:
            raise SourceError(
                f"{folder} has two files for {name}: {files[name].name} and {path.name}"
            )
        files[name] = path
    return files


def contract_files(source: str, preset: str | None) -> dict[str, Path] | None:
    """The local files of a source that holds the contract as is, found without opening it: a
    DuckDB file, or a folder of table files read with no preset or mapping file. None for
    anything else (a URL, Spark, a CRM export), and for a path that opening would refuse."""
    if not source or is_url(source) or preset or MAPPING_FILE.is_file():
        return None
    path = Path(source).expanduser()
    if path.is_file() and path.suffix.lower() in DATABASE_SUFFIXES:
        return {"database": path}
    if path.is_dir():
        with contextlib.suppress(SourceError):
            return table_files(path) or None
    return None
