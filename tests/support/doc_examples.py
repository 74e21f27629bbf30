"""Run the shell examples of docs/*.md against the test's Django, as a reader would run
them against the demo shop: bash runs each block as written (its variables, `jq`, loops),
while `curl` and `sellerdesk token create` reach this process, which answers them with
Django's test client inside the test's transaction (a loaded demo stays loaded).

A `curl` in the example is a small script that sends its arguments over a Unix socket
and prints the answer; this process serves the socket until bash exits and records each
call (method, path, status) for the test to check.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

DOCS = Path(__file__).resolve().parents[2] / "docs"
SERVER = "http://127.0.0.1:8000"

# The client a `curl` or `sellerdesk` script runs: it sends its name and arguments and
# prints what comes back (the body, or writes it to the file of -o / -O).
_CLIENT = r"""
import base64, json, os, socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.connect(os.environ["DOC_EXAMPLES_SOCKET"])
sock.sendall(json.dumps({"cwd": os.getcwd(), "argv": sys.argv[1:]}).encode())
sock.shutdown(socket.SHUT_WR)
answer = b"".join(iter(lambda: sock.recv(65536), b""))
reply = json.loads(answer)
body = base64.b64decode(reply["body"])
if reply.get("file"):
    with open(reply["file"], "wb") as out:
        out.write(body)
else:
    sys.stdout.buffer.write(body)
sys.exit(reply.get("exit", 0))
"""


@dataclass(frozen=True)
class Call:
    """One `curl` an example made: its method, path (with query) and the status answered."""

    method: str
    path: str
    status: int
    body: bytes


@dataclass(frozen=True)
class Example:
    """The shell blocks of one doc that call the API, in the doc's order."""

    doc: str
    script: str


def shell_examples(doc: str) -> Example:
    """The ```sh blocks of docs/`doc` that run `curl`, joined in order (each block uses
    the variables of the ones before it)."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"^```(?:sh|bash)?\n(.*?)^```", text, flags=re.S | re.M)
    return Example(doc, "\n".join(block for block in blocks if "curl " in block))


def docs_with_api_examples() -> list[str]:
    """Every doc with a shell example calling the API (`curl`)."""
    return sorted(path.name for path in DOCS.glob("*.md") if shell_examples(path.name).script)


def run_example(
    example: Example, *, client: Client, environment: dict[str, str], token_for: Callable[[str], str]
) -> tuple[subprocess.CompletedProcess[str], list[Call]]:
    """Run the example in bash (`set -e -o pipefail`: a failing command or `jq` fails it)
    with `curl` answered by `client` and `sellerdesk token create <user>` by `token_for`.
    Returns bash's result and the calls made."""
    calls: list[Call] = []
    with tempfile.TemporaryDirectory(prefix="docx") as folder:
        home = Path(folder)
        bin_dir = home / "bin"
        bin_dir.mkdir()
        (home / "client.py").write_text(_CLIENT)
        for name in ("curl", "sellerdesk"):
            script = bin_dir / name
            script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{home / "client.py"}" {name} "$@"\n')
            script.chmod(0o755)
        # `"$(dirname "$(command -v sellerdesk)")/python"`: the Python sellerdesk runs on
        # (run by its own path, so that it finds its virtualenv).
        (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (bin_dir / "python").chmod(0o755)
        path = home / "s"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.listen()
        server.settimeout(0.1)
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "DOC_EXAMPLES_SOCKET": str(path),
            # sellerdesk importable as in this process (a checkout on PYTHONPATH too).
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            **environment,
        }
        process = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", "-c", example.script],
            cwd=home,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for connection in _connections(server, process):
                with connection:
                    request = json.loads(_read_all(connection))
                    reply = _answer(request, client=client, token_for=token_for, calls=calls)
                    connection.sendall(json.dumps(reply).encode())
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            server.close()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), calls


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _connections(server: socket.socket, process: subprocess.Popen[str]) -> Iterator[socket.socket]:
    while True:
        try:
            connection, _address = server.accept()
        except TimeoutError:
            if process.poll() is not None:
                return
            continue
        connection.settimeout(30)
        yield connection


def _answer(
    request: dict[str, Any], *, client: Client, token_for: Callable[[str], str], calls: list[Call]
) -> dict[str, Any]:
    argv: list[str] = request["argv"]
    if argv[0] == "sellerdesk":
        if argv[1:3] != ["token", "create"] or len(argv) != 4:
            return _reply(f"only `sellerdesk token create <user>` runs in an example, not {argv[1:]}\n", exit=2)
        return _reply(token_for(argv[3]) + "\n")
    return _curl(argv[1:], cwd=Path(request["cwd"]), client=client, calls=calls)


def _reply(body: bytes | str, *, exit: int = 0, file: str = "") -> dict[str, Any]:
    data = body.encode() if isinstance(body, str) else body
    return {"body": base64.b64encode(data).decode(), "exit": exit, "file": file}


def _curl(args: list[str], *, cwd: Path, client: Client, calls: list[Call]) -> dict[str, Any]:
    """The few curl options the docs use: -s, -H, -X, -d/--data, -F, -o, -O/-J."""
    method = ""
    headers: dict[str, str] = {}
    data: str | None = None
    form: dict[str, Any] = {}
    output = ""
    remote_name = False
    url = ""
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg in ("-s", "--silent", "-J"):
            continue
        if arg in ("-O", "-OJ", "-JO"):
            remote_name = True
        elif arg == "-H":
            name, _colon, value = rest.pop(0).partition(":")
            headers[name.strip().lower()] = value.strip()
        elif arg == "-X":
            method = rest.pop(0)
        elif arg in ("-d", "--data", "--data-raw"):
            data = rest.pop(0)
        elif arg == "-F":
            name, _equals, value = rest.pop(0).partition("=")
            if value.startswith("@"):
                file = cwd / value[1:]
                form[name] = SimpleUploadedFile(file.name, file.read_bytes())
            else:
                form[name] = value
        elif arg == "-o":
            output = rest.pop(0)
        elif arg.startswith("-"):
            return _reply(f"curl option {arg} is not understood by tests/support/doc_examples.py\n", exit=2)
        else:
            url = arg
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != SERVER:
        return _reply(f"not the demo server: {url}\n", exit=6)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    method = method or ("POST" if data is not None or form else "GET")
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    content_type = extra.pop("HTTP_CONTENT_TYPE", "application/x-www-form-urlencoded")
    if form:
        response = client.generic(method, path, **_multipart(form), **extra)
    else:
        response = client.generic(method, path, data=(data or "").encode(), content_type=content_type, **extra)
    body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
    calls.append(Call(method, path, response.status_code, body))
    if output or remote_name:
        target = output or parts.path.rsplit("/", 1)[-1]
        return _reply(body, file=str(cwd / target) if not target.startswith("/") else target)
    return _reply(body)


def _multipart(form: dict[str, Any]) -> dict[str, Any]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, form), "content_type": MULTIPART_CONTENT}
