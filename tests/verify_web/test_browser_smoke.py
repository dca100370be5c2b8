import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_error_page_renders_in_vietnamese(live_server, page):
    response = page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    assert "Trang này không tồn tại." in page.content()
