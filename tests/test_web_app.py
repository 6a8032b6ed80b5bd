"""The web skeleton: token and Host checks, pages, language switch, the job store."""

from __future__ import annotations

import sqlite3

import pytest

from overlay import i18n
from overlay.web import db
from overlay.web.jobstore import DONE, QUEUED, RUNNING, STOPPED, JobRecord, JobStore, new_id
from overlay.web.security import host_name

from web_support import TOKEN, client, web_settings


@pytest.fixture
def settings(tmp_path):
    return web_settings(tmp_path)


@pytest.fixture(autouse=True)
def _english_again():
    yield
    i18n.set_language("en")


def test_page_with_token_header(settings):
    with client(settings) as c:
        r = c.get("/")
    assert r.status_code == 200
    for testid in ("clip-input", "province-select", "district-select", "lao-input", "subs-th-input",
                   "subs-en-input", "start-button", "end-button", "preview-image", "render-button",
                   "cancel-button", "progress", "receipt", "download-link", "error", "nav-report"):
        assert f'data-testid="{testid}"' in r.text, testid


def test_no_token_refused(settings):
    with client(settings, token=False) as c:
        for path in ("/", "/static/app.css", "/fonts/Loma.otf", "/report"):
            r = c.get(path)
            assert r.status_code == 403, path
            assert "token" in r.json()["error"]
        assert c.get("/", headers={"X-Overlay-Token": "wrong"}).status_code == 403


def test_token_in_address_sets_cookie(settings):
    with client(settings, token=False) as c:
        r = c.get(f"/?token={TOKEN}")
        assert r.status_code == 200
        assert settings.cookie_name() in r.headers["set-cookie"]
        assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
        assert c.get("/static/app.css").status_code == 200     # the cookie now carries it


def test_bearer_token(settings):
    with client(settings, token=False) as c:
        assert c.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "192.168.1.5"])
def test_foreign_host_refused(settings, host):
    with client(settings) as c:
        r = c.get("/", headers={"Host": host})
    assert r.status_code == 403
    assert "address" in r.json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "localhost"])
def test_loopback_hosts_served(settings, host):
    with client(settings) as c:
        assert c.get("/", headers={"Host": host}).status_code == 200


def test_other_listen_host_allowed_when_chosen(tmp_path):
    settings = web_settings(tmp_path, host="192.168.1.5")
    with client(settings) as c:
        assert c.get("/", headers={"Host": "192.168.1.5:8000"}).status_code == 200
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 403


def test_host_name():
    assert host_name("127.0.0.1:80") == "127.0.0.1"
    assert host_name("[::1]:80") == "::1"
    assert host_name("LOCALHOST") == "localhost"


def test_static_and_font_served(settings):
    with client(settings) as c:
        assert "@font-face" in c.get("/static/app.css").text
        assert c.get("/fonts/Loma.otf").content[:4] == b"OTTO"
        assert c.get("/static/app.js").status_code == 200


def test_language_switch(settings):
    with client(settings) as c:
        assert c.get("/").text.count("Make the waste-bank clip") == 1
        r = c.get("/lang/th", follow_redirects=False)
        assert r.status_code == 303
        thai = c.get("/").text
        assert "Make the waste-bank clip" not in thai
        assert 'lang="th"' in thai
        c.get("/lang/en")
        assert 'lang="en"' in c.get("/").text
        assert c.get("/lang/fr").status_code == 404


def test_report_view_in_nav(settings):
    with client(settings) as c:
        r = c.get("/report")
    assert r.status_code == 200
    assert 'data-testid="nav-report" href' in r.text or 'href="/report" data-testid="nav-report"' in r.text


def test_store_round_trip_and_restart(tmp_path):
    path = tmp_path / "overlay.db"
    store = JobStore(path)
    running = store.add(JobRecord(new_id(), {"district": "พิชัย"}, status=RUNNING))
    queued = store.add(JobRecord(new_id(), {"district": "ลับแล"}, status=QUEUED))
    done = store.add(JobRecord(new_id(), {"district": "ตรอน"}, status=DONE, receipt=[{"ok": True}]))
    assert store.get(running.id).settings == {"district": "พิชัย"}
    # The server stops under the jobs; the next start marks them stopped.
    assert JobStore(path).mark_interrupted() == 2
    assert store.get(running.id).status == STOPPED
    assert store.get(queued.id).status == STOPPED
    assert store.get(done.id).status == DONE and store.get(done.id).receipt == [{"ok": True}]


def test_app_start_marks_running_jobs_stopped(settings):
    store = JobStore(settings.db_path)
    job = store.add(JobRecord(new_id(), {"district": "พิชัย"}, status=RUNNING))
    with client(settings):
        pass
    assert store.get(job.id).status == STOPPED


def test_migrations_per_part(tmp_path):
    path = tmp_path / "x.db"
    assert db.migrate(path, "drafts", ["CREATE TABLE drafts (id TEXT PRIMARY KEY);"]) == 1
    steps = ["CREATE TABLE drafts (id TEXT PRIMARY KEY);", "ALTER TABLE drafts ADD COLUMN body TEXT;"]
    assert db.migrate(path, "drafts", steps) == 2
    assert db.migrate(path, "drafts", steps) == 2          # nothing runs twice
    JobStore(path)                                         # another part, same database
    with sqlite3.connect(path) as conn:
        versions = dict(conn.execute("SELECT part, version FROM schema_versions"))
        assert versions == {"drafts": 2, "jobs": 1}
        conn.execute("INSERT INTO drafts (id, body) VALUES ('a', 'b')")


def test_failed_migration_changes_nothing(tmp_path):
    path = tmp_path / "x.db"
    with pytest.raises(sqlite3.OperationalError):
        db.migrate(path, "p", ["CREATE TABLE t (a);", "CREATE TABLE u (a); NOT SQL;"])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_template_texts_are_extracted_into_the_catalogue():
    import importlib.util
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "tools" / "update_catalogue.py"
    spec = importlib.util.spec_from_file_location("update_catalogue", script)
    tool = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tool            # its dataclasses look their module up
    spec.loader.exec_module(tool)
    assert tool.template_messages('{{ _("A b") }} x {{ _(\'c\') }}\n{{ obj._("no") }}{{ _("e").format(x=1) }}') == \
        [(1, "A b"), (1, "c"), (2, "e")]
    found = tool.extract()
    assert "Make the waste-bank clip" in found                       # from templates/job.html
    assert any(ref.startswith("overlay/web/templates/") for ref in found["Start here"].references)
