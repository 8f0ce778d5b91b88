"""The instructors' grading service on the hub: release, collect, grade and return feedback.

A JupyterHub service (started and stopped by the hub, as root, on 127.0.0.1) at
/services/grading/. Only the hub's admins may use it: the hub grants the scope
`access:services!service=grading` to its admin role and to nobody else. A page with one button per
step, and the same steps as a REST API (for scripts and the tests):

    POST /services/grading/api/release/<lab>   grader release, then every workspace gets the lab
    POST /services/grading/api/collect/<lab>   a new collection from every student's home
    POST /services/grading/api/grade/<lab>     grade the newest collection (sandboxed)
    POST /services/grading/api/return/<lab>    each student of it gets ~/feedback.html
Each answers JSON: {"ok": bool, "lines": [what happened]}. One step runs at a time.
"""

import asyncio
import html
import json
import os
import sys
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

from . import classlist, classwork, settings
from .classwork import run_step

_lock = asyncio.Lock()


class StepHandler(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    async def post(self, step, lab):
        lines = []
        async with _lock:
            try:
                ok = await asyncio.to_thread(run_step, step, lab, self.settings["camp"], lines.append)
            except (classwork.ClassworkError, classlist.ClassListError) as e:
                ok = False
                lines.append(f"error: {e}")
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": ok, "step": step, "lab": lab, "lines": lines}, ensure_ascii=False))


class PageHandler(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    def get(self):
        from grader import labs
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(name)}</td>" + "".join(
                f"<td><button onclick=\"step('{step}','{e(name)}')\">{step}</button></td>"
                for step in ("release", "collect", "grade", "return")) + "</tr>"
            for name in labs.names())
        self.finish(_PAGE.format(user=e(self.current_user["name"]), rows=rows, xsrf=e(self.xsrf_token.decode())))


_PAGE = """<!doctype html><meta charset=utf-8><title>Grading</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:.2em .6em}}
pre{{background:#f6f6f6;padding:.5em;white-space:pre-wrap}}</style>
<h1>Grading</h1><p>Signed in as {user}. Each lab: release it to every workspace, collect it from every home,
grade the newest collection, return each student's feedback page to their home (feedback.html).</p>
<table>{rows}</table><pre id=out></pre>
<script>
async function step(s, lab) {{
  const out = document.getElementById('out');
  out.textContent = s + ' ' + lab + '...';
  const r = await fetch('api/' + s + '/' + encodeURIComponent(lab), {{method: 'POST',
      headers: {{'X-XSRFToken': '{xsrf}'}}}});
  const j = await r.json();
  out.textContent = (j.ok ? 'done' : 'FAILED') + '\\n' + j.lines.join('\\n');
}}
</script>"""


def main():
    s = settings.load()
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/grading/")
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{s.service_port}"))
    app = web.Application([
        (prefix, PageHandler),
        (prefix + r"api/(release|collect|grade|return)/([^/]+)", StepHandler),
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
    ], camp=s, cookie_secret=os.urandom(32))
    HTTPServer(app).listen(url.port, url.hostname)
    print(f"grading service on {url.geturl()}{prefix}", file=sys.stderr, flush=True)
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:  # the hub stops its services with SIGINT
        pass


if __name__ == "__main__":
    main()
