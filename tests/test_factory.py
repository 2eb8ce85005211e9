"""The app factory: configuration, corpus selection and what is never switched on."""

import shutil

from api import create_app
from conftest import ARTICLE_ID, SECOND_ARTICLE_DIR


def test_factory_builds_independent_apps_from_their_own_settings():
    short, long = create_app({"CACHE_MAX_AGE": 1}), create_app({"CACHE_MAX_AGE": 999})
    url = f"/v1/articles/{ARTICLE_ID}"
    assert short.test_client().get(url).headers["Cache-Control"] == "public, max-age=1"
    assert long.test_client().get(url).headers["Cache-Control"] == "public, max-age=999"


def test_debug_is_off_even_when_asked_for_by_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert not app.debug
    response = app.test_client().get("/v1/articles/nope")
    assert b"Traceback" not in response.data


def test_a_second_article_is_a_second_pair_of_files(tmp_path):
    built_in = create_app().config["CORPUS_DIR"]
    for path in [*shutil.os.scandir(built_in), *shutil.os.scandir(SECOND_ARTICLE_DIR)]:
        shutil.copy(path.path, tmp_path)
    client = create_app({"CORPUS_DIR": str(tmp_path)}).test_client()

    listed = [article["id"] for article in client.get("/v1/articles").get_json()]
    assert sorted(listed) == sorted([ARTICLE_ID, "riverton-opens-new-bridge"])
    quote = client.get(
        "/v1/articles/riverton-opens-new-bridge/quotes/byrne-built-to-last"
    ).get_json()
    assert quote["speaker_id"] == "ada-byrne"
    # Facts stay with their own article.
    assert client.get(f"/v1/articles/{ARTICLE_ID}/entities/ada-byrne").status_code == 404


def test_corpus_folder_comes_from_the_environment(tmp_path, monkeypatch):
    for path in shutil.os.scandir(SECOND_ARTICLE_DIR):
        shutil.copy(path.path, tmp_path)
    # Settings are read when the app is created, not when the package is imported.
    monkeypatch.setenv("ARTICLE_FACTS_CORPUS_DIR", str(tmp_path))
    listed = create_app().test_client().get("/v1/articles").get_json()
    assert [article["id"] for article in listed] == ["riverton-opens-new-bridge"]
