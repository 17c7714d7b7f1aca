"""Serves the browser test's two files on 127.0.0.1 (a port the kernel picks, printed as
`serving on PORT`): `/` is page.html, `/mqtt.min.js` the browser build of the pinned MQTT.js.
Nothing else of the repository is reachable.

Usage: /usr/bin/python3 serve_page.py NODE_MODULES_DIR
"""

import http.server
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {
    "/": (HERE / "page.html", "text/html; charset=utf-8"),
    "/mqtt.min.js": (Path(sys.argv[1]) / "mqtt" / "dist" / "mqtt.min.js", "text/javascript"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path not in FILES:
            self.send_error(404)
            return
        file, content_type = FILES[path]
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    for file, _ in FILES.values():
        if not file.exists():
            sys.exit(f"serve_page: {file} missing (run scripts/setup)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"serving on {server.server_address[1]}", flush=True)
    server.serve_forever()
