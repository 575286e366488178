"""Exercise every journey of the reference portal once, printing each step (the smoke test a person
runs first). Later, drills run the same journeys under load with Locust."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx

from results.exceptions import CuasoError
from scenarios.safety import AllowList

PAYMENT_WAIT_S = 10.0  # assumption: the partner's callback arrives well within 10 s on a local stack


class JourneyFailed(CuasoError):
    exit_code = 1


@dataclass
class Walk:
    """Every journey once, each step printed. Absolute URLs the portal sends the walk to (the e-ID
    redirect) are checked against ``allow`` (loopback always) before they are requested."""

    base_url: str
    say: Callable[[str], None] = print
    steps: list[tuple[str, str, int, float]] = field(default_factory=list)
    allow: AllowList = field(default_factory=AllowList)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=10.0, follow_redirects=False)

    def step(
        self, journey: str, name: str, method: str, url: str, expect: int, **kw: object
    ) -> httpx.Response:
        self.allow.check_url(url)
        start = time.perf_counter()
        response = self.http.request(method, url, **kw)  # type: ignore[arg-type]
        ms = (time.perf_counter() - start) * 1000
        self.steps.append((journey, name, response.status_code, ms))
        mark = "ok " if response.status_code == expect else "BAD"
        self.say(f"  {mark} {journey:<10} {name:<28} {method:<4} {response.status_code} {ms:7.1f} ms")
        if response.status_code != expect:
            raise JourneyFailed(
                f"{journey}/{name}: {method} {url} answered {response.status_code}, expected {expect}: "
                f"{response.text[:300]}"
            )
        return response

    def login(self, citizen_id: str) -> str:
        r = self.step("login", "start (portal)", "GET", "/api/v1/auth/login", 302,
                      params={"login_hint": citizen_id})  # fmt: skip
        r = self.step("login", "authorize (e-ID)", "GET", r.headers["location"], 302)
        query = parse_qs(urlsplit(r.headers["location"]).query)
        r = self.step("login", "callback (portal)", "GET", "/api/v1/auth/callback", 200,
                      params={"code": query["code"][0], "state": query["state"][0]})  # fmt: skip
        token: str = r.json()["session_token"]
        return token

    def run(self) -> None:
        self.say(f"walking every journey against {self.base_url}")
        # Anonymous: search the catalogue, read a procedure.
        r = self.step("catalogue", "search 'giấy phép'", "GET", "/api/v1/procedures", 200,
                      params={"q": "giay phep", "limit": 20})  # fmt: skip
        items = r.json()["items"]
        proc_id = next((i["id"] for i in items if i["fee_vnd"] > 0), items[0]["id"])
        self.step("catalogue", "read procedure", "GET", f"/api/v1/procedures/{proc_id}", 200)
        self.step("catalogue", "facets", "GET", "/api/v1/catalogue/facets", 200)
        # Citizen: e-ID login, auto-fill, create + attach + submit a dossier, read it back, list.
        citizen_id = "0" + "".join(secrets.choice("0123456789") for _ in range(11))
        citizen_id = citizen_id if not citizen_id.startswith("000") else "079" + citizen_id[3:]
        auth = {"Authorization": f"Bearer {self.login(citizen_id)}"}
        profile = self.step("dossier", "auto-fill profile", "GET", "/api/v1/me/profile", 200, headers=auth)
        province = profile.json().get("residence_province_code", "P01")
        body = {"procedure_id": proc_id, "province_code": province, "form": {"ho_ten": "walk"}}
        key = {"Idempotency-Key": secrets.token_hex(8), **auth}
        r = self.step("dossier", "create", "POST", "/api/v1/dossiers", 201, json=body, headers=key)
        code = r.json()["code"]
        self.step(
            "dossier", "create again (same key)", "POST", "/api/v1/dossiers", 200, json=body, headers=key
        )
        self.step("dossier", "attach scan.pdf", "PUT", f"/api/v1/dossiers/{code}/attachments/scan.pdf", 201,
                  content=b"%PDF-1.4 walk " + secrets.token_bytes(2048), headers=auth)  # fmt: skip
        self.step("dossier", "submit", "POST", f"/api/v1/dossiers/{code}/submit", 200, headers=auth)
        self.step("dossier", "read", "GET", f"/api/v1/dossiers/{code}", 200, headers=auth)
        self.step("dossier", "list mine", "GET", "/api/v1/dossiers", 200, headers=auth)
        if r.json()["fee_vnd"] > 0:
            self.pay(code, auth)
        # Anyone: public status lookup by code.
        self.step("status", "public lookup", "GET", f"/api/v1/public/dossiers/{code}/status", 200)
        self.step("login", "logout", "POST", "/api/v1/auth/logout", 204, headers=auth)
        self.step("login", "token refused after logout", "GET", "/api/v1/me", 401, headers=auth)
        self.say(f"all {len(self.steps)} steps answered as expected (dossier {code})")

    def pay(self, code: str, auth: dict[str, str]) -> None:
        """Pay the dossier's fee at a partner: create, follow the checkout, wait for the callback."""
        headers = {**auth, "Idempotency-Key": secrets.token_hex(8)}
        r = self.step("payment", "create (partner VCB)", "POST", f"/api/v1/dossiers/{code}/payments", 201,
                      json={"partner": "VCB"}, headers=headers)  # fmt: skip
        payment_id = r.json()["payment_id"]
        self.step("payment", "checkout (partner)", "GET", r.json()["redirect_url"], 302)
        deadline = time.monotonic() + PAYMENT_WAIT_S
        while True:
            r = self.step("payment", "return URL", "GET", f"/api/v1/payments/{payment_id}", 200, headers=auth)
            if r.json()["status"] != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if r.json()["status"] != "succeeded":
            raise JourneyFailed(f"payment {payment_id} ended {r.json()['status']!r}, expected 'succeeded'")

    def close(self) -> None:
        self.http.close()
