"""NaN, Infinity and -Infinity in a JSON body get 422 naming the path, on every route."""

import json
import types
from collections.abc import Iterator
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError

from metrology_svc.app import create_app
from metrology_svc.core.bodylimit import BodyLimitMiddleware
from metrology_svc.core.error_handlers import install_error_handlers
from metrology_svc.core.finite_json import FiniteJsonMiddleware, non_finite_paths
from metrology_svc.settings import Settings
from tests.factories import World, spring_scale

LIMIT = 2000
JSON = {"content-type": "application/json"}


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"got": await request.json()}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, Any]:
        return {"bytes": len(await request.body())}

    @app.post("/model")
    async def model(body: dict[str, float]) -> dict[str, float]:
        return body

    app.add_middleware(FiniteJsonMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=LIMIT, max_upload=LIMIT)
    return app


def _locs(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "NaN" in error["message"]
    assert "NaN" in error["message_vi"]
    assert {d["type"] for d in error["details"]} == {"finite_number"}
    return [d["loc"] for d in error["details"]]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-2E+999"])
def test_each_non_finite_literal_is_refused_where_it_is(literal: str) -> None:
    body = '{"a": {"b": [1, 2, {"c": LITERAL}]}, "d": "NaN and Infinity in text are fine"}'
    body = body.replace("LITERAL", literal)
    with TestClient(_app()) as client:
        locs = _locs(client.post("/echo", content=body, headers=JSON))
    assert locs == [["body", "a", "b", 2, "c"]]


def test_every_offending_value_is_named_in_order() -> None:
    body = '[NaN, {"x": [Infinity, 1.5], "y": -Infinity}, 0]'
    with TestClient(_app()) as client:
        locs = _locs(client.post("/echo", content=body, headers=JSON))
    assert locs == [["body", 0], ["body", 1, "x", 0], ["body", 1, "y"]]


def test_finite_bodies_and_words_in_strings_reach_the_route_unchanged() -> None:
    doc = {"serial": "NaN-Infinity E123", "mass": 1e308, "big": 10**400, "list": [1.5, -0.0]}
    with TestClient(_app()) as client:
        res = client.post("/echo", content=json.dumps(doc), headers=JSON)
    assert res.status_code == 200, res.text
    assert res.json()["got"]["serial"] == "NaN-Infinity E123"
    assert res.json()["got"]["list"] == [1.5, -0.0]


def test_a_streamed_body_and_other_encodings_are_checked_too() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"points": [{"reference": 1}, '
        yield b'{"reference": NaN}]}'

    with TestClient(_app()) as client:
        assert _locs(client.post("/echo", content=chunks(), headers=JSON)) == [
            ["body", "points", 1, "reference"]
        ]
        utf16 = '{"e_g": Infinity}'.encode("utf-16")
        assert _locs(client.post("/echo", content=utf16, headers=JSON)) == [["body", "e_g"]]
        plus_json = {"content-type": "application/vnd.api+json; charset=utf-8"}
        assert _locs(client.post("/echo", content='{"x": NaN}', headers=plus_json))


def test_bodies_that_are_not_json_pass_on_untouched() -> None:
    with TestClient(_app()) as client:
        broken = client.post("/model", content="{not json NaN", headers=JSON)
        assert broken.status_code == 422
        assert broken.json()["error"]["details"][0]["type"] == "json_invalid"  # FastAPI's own
        text = client.post("/raw", content="[NaN]", headers={"content-type": "text/plain"})
        assert text.json() == {"bytes": 5}
        assert client.post("/raw", content="").json() == {"bytes": 0}


def test_the_body_limit_still_answers_413() -> None:
    big = '{"x": [' + ",".join(["NaN"] * LIMIT) + "]}"
    with TestClient(_app()) as client:
        res = client.post("/echo", content=big, headers=JSON)
    assert res.status_code == 413


def test_deep_nesting_is_walked_without_recursion() -> None:
    deep: Any = float("nan")
    for _ in range(50_000):
        deep = [deep]
    assert non_finite_paths(deep) == [[0] * 50_000]
    assert len(non_finite_paths([float("inf")] * 100)) == 20  # bounded report


# --- real routes -----------------------------------------------------------------------------


def _post(client: TestClient, url: str, raw: str, world: World) -> Any:
    return client.post(url, content=raw, headers={**JSON, **world.auth("admin")})


def test_an_instrument_with_infinite_e_is_refused(client: TestClient, world: World) -> None:
    body = json.dumps(spring_scale(world)).replace('"e_g": 50', '"e_g": Infinity')
    assert _locs(_post(client, "/api/v1/instruments", body, world)) == [["body", "e_g"]]
    overflow = body.replace("Infinity", "1e400")
    assert _locs(_post(client, "/api/v1/instruments", overflow, world)) == [["body", "e_g"]]


@pytest.mark.parametrize("text", ["inf", "Infinity", "-inf", "nan", "NaN"])
def test_non_finite_strings_in_a_float_field_are_refused(
    client: TestClient, world: World, text: str
) -> None:
    res = client.post(
        "/api/v1/instruments",
        json={**spring_scale(world), "e_g": text},
        headers=world.auth("admin"),
    )
    assert res.status_code == 422, res.text
    assert {"loc": ["body", "e_g"], "type": "finite_number"}.items() <= (
        res.json()["error"]["details"][0].items()
    )


def test_verification_points_with_nan_are_refused(client: TestClient, world: World) -> None:
    created = client.post(
        "/api/v1/instruments", json=spring_scale(world), headers=world.auth("admin")
    )
    body = (
        '{"kind": "periodic", "verified_on": "2026-11-02", "verifier": "KĐV A", '
        '"procedure": "ĐLVN 30:2019", "points": [{"reference": 500, "indicated": 525}, '
        '{"reference": 15000, "indicated": -Infinity}, {"reference": NaN, "indicated": 1}]}'
    )
    url = f"/api/v1/instruments/{created.json()['id']}/verifications"
    assert _locs(_post(client, url, body, world)) == [
        ["body", "points", 1, "indicated"],
        ["body", "points", 2, "reference"],
    ]
    history = client.get(url, headers=world.auth("admin"))
    assert history.json() == []


def test_an_inspection_finding_with_infinity_is_refused(client: TestClient, world: World) -> None:
    opened = client.post(
        "/api/v1/inspections",
        json={"site_id": world.market_a, "inspector": "Lê Văn Hùng", "inspected_on": "2026-11-22"},
        headers=world.auth("inspector_a"),
    )
    url = f"/api/v1/inspections/{opened.json()['id']}/findings/sync"
    body = (
        '{"items": [{"client_uuid": "6f1c7a52-6a4e-4a37-9a44-1f0c2d3e4f50", "kind": "ok", '
        '"note": "x", "latitude": NaN, "points": [{"reference": 1000, "indicated": Infinity}]}]}'
    )
    assert _locs(_post(client, url, body, world)) == [
        ["body", "items", 0, "latitude"],
        ["body", "items", 0, "points", 0, "indicated"],
    ]


# --- every float a route takes refuses "inf" and "nan" as text -------------------------------

# Floats known to take "inf" as text: none (PointIn's fields are FiniteFloat since 0802).
KNOWN: set[str] = set()


def _types_in(annotation: Any) -> Iterator[Any]:
    if annotation in (float, str) or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    ):
        yield annotation
        return
    if get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for arg in get_args(annotation):
            yield from _types_in(arg)


def _accepts_inf(model: type[BaseModel], name: str) -> bool:
    try:
        model.model_validate({name: "inf"})
    except ValidationError as exc:
        return not any(tuple(e["loc"]) == (name,) for e in exc.errors())
    return True


def _float_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    for name, field in model.model_fields.items():
        kinds = list(_types_in(field.annotation))
        # A field that also takes text (the web preview's points) reads it with core.quantities.
        if float in kinds and str not in kinds and _accepts_inf(model, name):
            yield f"{model.__name__}.{name}"
        for inner in kinds:
            if inner not in (float, str) and inner not in seen:
                seen.add(inner)
                yield from _float_fields(inner, seen)


def test_every_float_in_a_request_body_refuses_inf_and_nan(settings: Settings) -> None:
    seen: set[type[BaseModel]] = set()
    accepting: set[str] = set()
    for route in iter_route_contexts(create_app(settings=settings).routes):
        body = getattr(route.route, "body_field", None)
        for model in _types_in(body.field_info.annotation if body else None):
            if model not in (float, str) and model not in seen:
                seen.add(model)
                accepting |= set(_float_fields(model, seen))
    assert len(seen) > 10  # the walk reached the API's bodies
    assert accepting - KNOWN == set()


def _query_params(dependant: Any) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_params(sub)


def test_every_float_in_a_query_refuses_inf_and_nan(settings: Settings) -> None:
    checked = 0
    for route in iter_route_contexts(create_app(settings=settings).routes):
        dependant = getattr(route.route, "dependant", None)
        for param in _query_params(dependant) if dependant else ():
            if float not in set(_types_in(param.field_info.annotation)):
                continue
            shape: Any = Annotated[param.field_info.annotation, *param.field_info.metadata]
            adapter: TypeAdapter[Any] = TypeAdapter(shape)
            for text in ("inf", "-inf", "nan", "Infinity"):
                with pytest.raises(ValidationError):
                    adapter.validate_python(text)
            checked += 1
    assert checked >= 1


def test_a_feed_asked_to_run_forever_is_refused(client: TestClient, world: World) -> None:
    url = f"/api/v1/sites/{world.market_a}/feed"
    for text in ("inf", "nan"):
        res = client.get(url, params={"max_seconds": text}, headers=world.auth("admin"))
        assert res.status_code == 422, res.text
        assert res.json()["error"]["details"][0]["loc"] == ["query", "max_seconds"]
