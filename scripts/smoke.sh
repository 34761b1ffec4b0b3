#!/usr/bin/env bash
# Smoke-test a running TaskTracker API, then run the schemathesis suite against it.
#   scripts/smoke.sh URL KEY [--no-schemathesis] [--max-examples N]
# URL is the stage URL printed by deploy.sh (or http://127.0.0.1:3000 for `make run`); KEY an API key of it.
# The smoke test creates a category and a task, reads, lists, updates and deletes them, and checks CORS and the
# error envelope (401 without a key, 400 for a bad body). Exit status: 0 all good, 1 a check failed, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
url="" key="" fuzz=1 examples="${SMOKE_MAX_EXAMPLES:-10}"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --no-schemathesis) fuzz=0; shift ;;
    --max-examples) examples="${2:?--max-examples needs a value}"; shift 2 ;;
    -*) echo "smoke.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) if [ -z "$url" ]; then url="$1"; elif [ -z "$key" ]; then key="$1"; else echo "smoke.sh: too many arguments" >&2; exit 2; fi; shift ;;
  esac
done
[ -n "$url" ] && [ -n "$key" ] || { echo "smoke.sh: give URL and KEY" >&2; usage >&2; exit 2; }
case "$url" in http://*|https://*) ;; *) echo "smoke.sh: URL must start with http:// or https://" >&2; exit 2 ;; esac

.venv/bin/python - "$url" "$key" <<'PY'
import sys, uuid
import httpx

url, key = sys.argv[1].rstrip("/"), sys.argv[2]
http = httpx.Client(base_url=url, headers={"x-api-key": key}, timeout=30)
failures = 0

def check(what, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f"  {detail}"))
    failures += not ok

def envelope(r):
    try:
        err = r.json()["error"]
        return r.headers.get("content-type", "").startswith("application/json") and {"code", "message", "correlationId"} <= set(err)
    except Exception:
        return False

r = http.post("/categories", json={"name": f"smoke-{uuid.uuid4().hex[:8]}", "color": "#336699"})
check("POST /categories -> 201", r.status_code == 201, r.text)
cat = r.json() if r.status_code == 201 else {}
r = http.post("/tasks", json={"title": "smoke task", "categoryId": cat.get("categoryId"), "priority": "high"})
check("POST /tasks -> 201 + Location + ETag", r.status_code == 201 and "location" in r.headers and "etag" in r.headers, r.text)
task = r.json() if r.status_code == 201 else {}
tid = task.get("taskId", "0" * 26)
r = http.get(f"/tasks/{tid}")
check("GET /tasks/{id} -> 200", r.status_code == 200 and r.json().get("title") == "smoke task", r.text)
r = http.get("/tasks", params={"categoryId": cat.get("categoryId", "0" * 26), "limit": 5})
check("GET /tasks?categoryId -> the task", r.status_code == 200 and any(t["taskId"] == tid for t in r.json().get("items", [])), r.text)
r = http.put(f"/tasks/{tid}", json={"completed": True, "description": None}, headers={"If-Match": f'"{task.get("version", 1)}"'})
check("PUT /tasks/{id} with If-Match -> 200", r.status_code == 200 and r.json().get("completed") is True, r.text)
r = http.put(f"/tasks/{tid}", json={"title": "stale"}, headers={"If-Match": '"1"'})
check("PUT with a stale If-Match -> 412 envelope", r.status_code == 412 and envelope(r), r.text)
r = http.delete(f"/tasks/{tid}")
check("DELETE /tasks/{id} -> 204", r.status_code == 204, r.text)
r = http.delete(f"/categories/{cat.get('categoryId', '0' * 26)}")
check("DELETE /categories/{id} -> 204", r.status_code == 204, r.text)
r = httpx.get(url + "/tasks", headers={"Origin": "https://example.com"}, timeout=30)
cors = r.headers.get("access-control-allow-origin") in ("*", "https://example.com")
check("no key -> 401 envelope + CORS", r.status_code == 401 and envelope(r) and cors, f"{r.status_code} {r.headers} {r.text}")
r = http.post("/tasks", json={"title": ""})
check("bad body -> 400 envelope", r.status_code == 400 and envelope(r), r.text)
r = httpx.options(url + "/tasks", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "x-api-key,content-type"}, timeout=30)
check("OPTIONS preflight without a key -> 2xx + CORS", r.is_success and r.headers.get("access-control-allow-origin") in ("*", "https://example.com"), f"{r.status_code} {r.text}")
print(f"smoke: {failures} failed")
sys.exit(1 if failures else 0)
PY
[ "$fuzz" = 1 ] || exit 0
echo "schemathesis: $url (max $examples examples per operation)"
exec .venv/bin/schemathesis run openapi.yaml --url "$url" -H "x-api-key: $key" --checks all --max-examples "$examples"
