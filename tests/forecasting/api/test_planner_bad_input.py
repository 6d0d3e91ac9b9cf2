"""Bad bodies on the planner's writes (overrides, exception answers) answer 400 naming the field, never 500:
values of the wrong JSON type included."""
from __future__ import annotations

import pytest

from tests.conftest import api_client, provision


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/overrides/", {"level": ["series"], "key": {}, "periods": ["2012-11-02"], "value": 1,
                            "reason": "promotion"}, "level"),
    ("/api/v1/overrides/", {"level": "series", "key": [1, 2], "periods": ["2012-11-02"], "value": 1,
                            "reason": "promotion"}, "key"),
    ("/api/v1/overrides/", {"level": "total", "key": {}, "periods": ["2012-11-02"], "value": 1,
                            "reason": {"a": 1}}, "reason"),
    ("/api/v1/exceptions/answers/", {"kind": ["plan_gap"], "store": 1, "dept": 1, "basis": "x",
                                     "reason": "accepted"}, "kind"),
    ("/api/v1/exceptions/answers/", {"kind": "plan_gap", "store": 1, "dept": 1, "basis": "x",
                                     "reason": ["accepted"]}, "reason"),
])
def test_a_wrong_type_is_a_400_naming_the_field(db_access, path, body, field):
    t = provision("badin")
    resp = api_client(t, key=t.admin_key).post(path, body, format="json")
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["error"]["details"], resp.content
