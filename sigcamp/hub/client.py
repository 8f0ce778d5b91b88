"""A hub user as a script: log in, start the server, get a token, run code in a kernel.

What a browser does, through the hub's login form and REST API and the Jupyter server's kernel
API (REST to make the kernel, the websocket channels to run code), so the hub can be checked from
the command line as each student and instructor sees it.
"""

import asyncio
import json
import time
import uuid
from urllib.parse import quote

import requests


class HubError(RuntimeError):
    """The hub answered something other than what a working hub answers."""


class HubUser:
    """One logged-in user of the hub at `url` (http://127.0.0.1:8000)."""

    def __init__(self, url, login, password):
        self.url, self.login = url.rstrip("/"), login
        self.http = requests.Session()
        self.http.get(f"{self.url}/hub/login", timeout=30).raise_for_status()
        r = self.http.post(f"{self.url}/hub/login", data={"username": login, "password": password,
                                                          "_xsrf": self.http.cookies.get("_xsrf", "")},
                           allow_redirects=False, timeout=60)
        if r.status_code != 302 or "/login" in r.headers.get("Location", "/login"):
            raise HubError(f"{login} could not log in (HTTP {r.status_code})")
        self.token = self.api("POST", f"users/{quote(login)}/tokens",
                              json={"note": "sigcamp.hub.client", "expires_in": 3600})["token"]

    def api(self, method, path, **kw):
        """A hub REST API call (cookie or token), its JSON answer ({} when empty)."""
        headers = {"X-XSRFToken": self.http.cookies.get("_xsrf", "")}
        if getattr(self, "token", None):
            headers = {"Authorization": f"token {self.token}"}
        r = self.http.request(method, f"{self.url}/hub/api/{path}", headers=headers, timeout=kw.pop("timeout", 60),
                              **kw)
        if r.status_code >= 400:
            raise HubError(f"{method} /hub/api/{path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else {}

    def start_server(self, timeout=180):
        """Ask the hub for this user's server and wait until it is ready; return the user model."""
        self.api("POST", f"users/{quote(self.login)}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"users/{quote(self.login)}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return model
            if not model.get("pending") and not server:
                raise HubError(f"{self.login}'s server did not start (see the hub's log)")
            time.sleep(0.5)
        raise HubError(f"{self.login}'s server was not ready within {timeout} s")

    def stop_server(self, timeout=120):
        self.api("DELETE", f"users/{quote(self.login)}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"users/{quote(self.login)}")
            if not model.get("servers") and not model.get("pending"):
                return
            time.sleep(0.5)
        raise HubError(f"{self.login}'s server did not stop within {timeout} s")

    def server_url(self, path=""):
        return f"{self.url}/user/{quote(self.login)}/{path}"

    def server_api(self, method, path, **kw):
        r = self.http.request(method, self.server_url(f"api/{path}"), timeout=kw.pop("timeout", 60),
                              headers={"Authorization": f"token {self.token}"}, **kw)
        if r.status_code >= 400:
            raise HubError(f"{method} {self.server_url(f'api/{path}')}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else {}

    def service(self, method, path, **kw):
        """A call to a hub service (/services/<path>) with this user's token; its JSON answer."""
        r = self.http.request(method, f"{self.url}/services/{path}", timeout=kw.pop("timeout", 1800),
                              headers={"Authorization": f"token {self.token}"}, allow_redirects=False, **kw)
        if r.status_code >= 400 or r.status_code in (301, 302):
            raise HubError(f"{method} /services/{path}: HTTP {r.status_code}")
        return r.json()

    def kernel(self, name="sigcamp"):
        """A new kernel on this user's server (a Kernel)."""
        return Kernel(self, self.server_api("POST", "kernels", json={"name": name})["id"])


class Kernel:
    """A kernel on a user's server, driven through its websocket channels."""

    def __init__(self, user, kernel_id):
        self.user, self.id = user, kernel_id

    def execute(self, code, timeout=300):
        """Run `code`; returns {"stdout": str, "stderr": str, "error": None or (ename, evalue), "result": text}."""
        return asyncio.run(self._execute(code, timeout))

    async def _execute(self, code, timeout):
        deadline = time.monotonic() + timeout
        conn = await self._connect(deadline)
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": self.user.login, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out = {"stdout": "", "stderr": "", "error": None, "result": ""}
        replied = idle = False
        try:
            while not (replied and idle):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HubError(f"the kernel did not finish within {timeout} s; output so far: {out}")
                raw = await asyncio.wait_for(conn.read_message(), left)
                if raw is None:
                    raise HubError("the kernel's websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    out[content["name"]] += content["text"]
                elif kind in ("execute_result", "display_data"):
                    out["result"] += content["data"].get("text/plain", "")
                elif kind == "error":
                    out["error"] = (content["ename"], content["evalue"])
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
        finally:
            conn.close()
        return out

    async def _connect(self, deadline):
        """The kernel's websocket, tried again until `deadline` while a busy server does not answer in time
        (tornado gives up on a connection after 20 s by default)."""
        from tornado.httpclient import HTTPClientError, HTTPRequest
        from tornado.websocket import websocket_connect
        ws_url = self.user.server_url(f"api/kernels/{self.id}/channels").replace("http", "ws", 1)
        while True:
            left = deadline - time.monotonic()
            try:
                return await websocket_connect(HTTPRequest(
                    ws_url, headers={"Authorization": f"token {self.user.token}"},
                    connect_timeout=min(60, max(left, 1)), request_timeout=min(60, max(left, 1))))
            except (HTTPClientError, OSError) as e:
                if getattr(e, "code", 599) != 599 or time.monotonic() + 1 >= deadline:
                    raise HubError(f"no websocket to {self.user.login}'s kernel: {e}") from e
                await asyncio.sleep(1)

    def shutdown(self):
        self.user.server_api("DELETE", f"kernels/{self.id}")
