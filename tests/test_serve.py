"""The web app's contract: the page, /api/assess (exactly `check --format json`), errors as
one-line JSON with their status, the Host and cross-site checks, and the downloads."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from support import EXAMPLES

from pksb_reflect.apps.serve import create_app
from pksb_reflect.cli import cli

starlette_testclient = pytest.importorskip("starlette.testclient")
BASE = "http://127.0.0.1:8765"
DRAFT = (EXAMPLES / "chartership_strong.md").read_bytes()


@pytest.fixture(scope="module")
def client() -> starlette_testclient.TestClient:
    app = create_app("127.0.0.1", 8765, max_bytes=200_000, warm=False)
    return starlette_testclient.TestClient(app, base_url=BASE)


def test_page_and_health(client: starlette_testclient.TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<form id="check"' in page.text and 'name="route"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "http" not in csp
    assert not re.search(r"""(src|href)=["']https?:""", page.text)  # every asset is local
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


def test_api_returns_exactly_the_cli_json(
    client: starlette_testclient.TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    expected = CliRunner().invoke(
        cli, ["check", "chartership_strong.md", "--route", "chartership", "--format", "json"]
    )
    assert expected.exit_code == 0, expected.output
    response = client.post(
        "/api/assess",
        data={"route": "chartership", "framework": "2021"},
        files={"file": ("chartership_strong.md", DRAFT, "text/markdown")},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == expected.stdout


@pytest.mark.parametrize(
    ("data", "files", "status"),
    [
        ({"text": "   "}, {"unused": ("", b"")}, 422),
        ({}, {"file": ("draft.exe", b"MZ...")}, 415),
        ({}, {"file": ("draft.md", b"word " * 50_000)}, 413),
        ({"text": "I ran a session.", "route": "nursing"}, {"unused": ("", b"")}, 400),
    ],
)
def test_bad_input_is_one_line_of_json(
    client: starlette_testclient.TestClient, data: dict, files: dict, status: int
) -> None:
    response = client.post("/api/assess", data=data, files=files)
    assert response.status_code == status
    error = response.json()["error"]
    assert error and "\n" not in error and "Traceback" not in error


def test_not_multipart_is_refused(client: starlette_testclient.TestClient) -> None:
    response = client.post("/api/assess", json={"text": "I ran a session."})
    assert response.status_code == 415 and "error" in response.json()


def test_other_hosts_and_cross_site_posts_are_refused(
    client: starlette_testclient.TestClient,
) -> None:
    assert client.get("/", headers={"host": "attacker.example:8765"}).status_code == 421
    form = {"data": {"text": DRAFT.decode()}, "files": {"unused": ("", b"")}}
    for headers in ({"origin": "http://attacker.example"}, {"sec-fetch-site": "cross-site"}):
        response = client.post("/api/assess", headers=headers, **form)  # type: ignore[arg-type]
        assert response.status_code == 403, headers
    same = client.post("/api/assess", headers={"origin": BASE, "sec-fetch-site": "same-origin"},
                       **form)  # type: ignore[arg-type]  # fmt: skip
    assert same.status_code == 200


def test_a_file_name_is_never_a_path(client: starlette_testclient.TestClient) -> None:
    response = client.post("/api/assess", files={"file": ("../../etc/draft.md", DRAFT)})
    assert response.status_code == 200
    assert response.json()["source"]["name"] == "draft.md"


def test_form_without_javascript_and_the_word_download(
    client: starlette_testclient.TestClient, tmp_path: Path
) -> None:
    document = docx.Document()
    for block in DRAFT.decode().split("\n\n"):
        if block.startswith("#"):
            document.add_heading(block.lstrip("# ").strip(), level=1)
        elif block.strip():
            document.add_paragraph(block.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    page = client.post("/", files={"file": ("draft.docx", buffer.getvalue())})
    assert page.status_code == 200
    assert 'id="criteria"' in page.text and 'class="s cat-' in page.text
    assert 'tabindex="0"' in page.text and 'role="tooltip"' in page.text
    links = dict(re.findall(r'href="(/download/[^/"]+/(\w+))"', page.text)[::-1])
    assert set(links.values()) == {"html", "markdown", "json", "docx"}
    word = client.get(next(u for u, f in links.items() if f == "docx"))
    assert word.status_code == 200
    assert 'filename="draft-feedback.docx"' in word.headers["content-disposition"]
    annotated = docx.Document(io.BytesIO(word.content))
    assert [p.text for p in annotated.paragraphs] == [p.text for p in document.paragraphs]
    assert len(list(annotated.comments)) >= 4
    assert client.get("/download/not-a-token/docx").status_code == 404


def test_evidence_and_self_assessment_uploads_without_server_paths(
    client: starlette_testclient.TestClient,
) -> None:
    folder = EXAMPLES / "certification"
    files = [("file", ("statement.md", (folder / "statement.md").read_bytes()))]
    files += [
        ("evidence", (p.name, p.read_bytes())) for p in sorted((folder / "evidence").iterdir())
    ]
    files += [("pksb_audit", ("pksb_audit.csv", (folder / "pksb_audit.csv").read_bytes()))]
    response = client.post("/api/assess", data={"route": "certification"}, files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {item["id"] for item in body["evidence"]["items"]} >= {"E1", "E2", "E3", "E4"}
    assert body["audit"]["gaps"]
    assert "pksb-reflect-" not in response.text and "/tmp" not in response.text


def test_host_check_names() -> None:
    from pksb_reflect.apps.serve import HostCheck

    local = HostCheck("127.0.0.1", 8765)
    assert local.accepts("127.0.0.1:8765") and local.accepts("localhost:8765")
    assert local.accepts("[::1]:8765")
    assert not local.accepts("127.0.0.1:9999") and not local.accepts("rebind.example:8765")
    assert not local.accepts("") and not local.accepts("127.0.0.1:8765@evil")
    everywhere = HostCheck("0.0.0.0", 8765)
    assert everywhere.accepts("192.168.1.20:8765") and not everywhere.accepts("evil.example:8765")
    assert local.accepts_origin("http://localhost:8765")
    assert not local.accepts_origin("https://localhost:8765.evil.example")


def test_serve_command_warns_off_this_computer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pksb_reflect.apps.serve as serve_module
    from pksb_reflect.cli import main

    calls: list[tuple] = []
    monkeypatch.setattr(serve_module, "serve_forever", lambda *a, **k: calls.append((a, k)))
    assert main(["serve", "--no-browser"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "--host", "0.0.0.0", "--port", "9000", "--no-browser"]) == 0
    assert "warning: listening on 0.0.0.0" in capsys.readouterr().err
    assert calls == [
        (("127.0.0.1", 8765), {"open_browser": False}),
        (("0.0.0.0", 9000), {"open_browser": False}),
    ]


def test_the_statement_is_never_written_to_a_file(
    client: starlette_testclient.TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import tempfile

    real_open = builtins.open

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a temporary file was made")

    def watched_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(m in mode for m in "wax+"):
            raise AssertionError(f"opened {file} to write")
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    for name in ("TemporaryDirectory", "mkstemp", "NamedTemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(builtins, "open", watched_open)
    response = client.post("/api/assess", files={"file": ("draft.md", DRAFT + b"\n\nNew words.")})
    assert response.status_code == 200


def test_an_edited_text_keeps_its_file_name(client: starlette_testclient.TestClient) -> None:
    page = client.post("/", files={"file": ("my draft.md", DRAFT)})
    assert 'name="name" value="my draft.md"' in page.text
    edited = DRAFT.decode() + "\n\nI will ask for feedback sooner next time.\n"
    again = client.post("/", data={"text": edited, "name": "my draft.md"}, files={"x": ("", b"")})
    assert again.status_code == 200 and "Feedback on my draft.md" in again.text
    assert "ask for feedback sooner" in again.text
