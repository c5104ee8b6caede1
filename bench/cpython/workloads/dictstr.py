# dictstr — dictionaries and strings: building and looking up dicts with str and int keys,
# formatting, split/join, replace, case changes, comparisons and sorting of strings.

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
         "rho sigma tau upsilon phi chi psi omega").split()


def run(n):
    total = 0
    for r in range(n * 10):
        counts = {}
        for i, w in enumerate(WORDS * 8):
            key = f"{w}-{i % 7}"
            counts[key] = counts.get(key, 0) + i
        inverse = {v: k for k, v in counts.items()}
        line = ",".join(sorted(counts))
        parts = line.split(",")
        upper = [p.upper().replace("A", "4") for p in parts]
        total += len(inverse) + len(parts) + sum(len(u) for u in upper)
        total += sum(1 for p in parts if p.startswith("s") or p.endswith("-3"))
        text = " ".join(WORDS).title()
        total += text.count("A") + len(text.lower().split()) + (r % 5)
        merged = dict(counts, extra=r)
        total += len(merged) + ("omega-0" in merged)
    return total
