# json_work — json.dumps and json.loads of a nested document (the _json C accelerator, as in
# pyperformance's json_dumps/json_loads), with sort_keys and indent for the pure-Python paths.
import json


def document(k):
    return {
        "id": k,
        "name": f"item {k}",
        "tags": ["x", "y", "z", str(k)],
        "price": k * 1.25,
        "stock": {"warehouse": k % 7, "shelf": [k, k + 1, None], "ok": k % 2 == 0},
        "text": "caf\u00e9 \"quoted\" \\ back\nslash " * 3,
    }


def run(n):
    docs = [document(k) for k in range(50)]
    total = 0
    for _ in range(n * 4):
        s = json.dumps(docs)
        back = json.loads(s)
        total += len(s) + len(back) + back[-1]["stock"]["warehouse"]
        total += len(json.dumps(docs[:5], sort_keys=True, indent=2))
    return total
