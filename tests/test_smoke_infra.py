from sqlalchemy import text


def test_database_is_migrated(engine):
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM producers")).scalar_one() == 0
        assert engine.dialect.name in ("sqlite", "postgresql")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"
