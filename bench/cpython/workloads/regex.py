# regex — the re module (_sre): compiling is cached, so this times matching, searching,
# finditer, sub with a function and split, after pyperformance's regex_effbot/regex_v8 spirit.
import re

TEXT = ("From: alice@example.org (Alice) 2024-01-15 12:30 id=17 status=ok\n"
        "To: bob.smith@example.com 2024-02-29 08:05 id=4242 status=failed retry=3\n"
        "Cc: carol+list@mail.example.net 1999-12-31 23:59 id=7 status=ok\n") * 4

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
FIELD = re.compile(r"(\w+)=(\w+)")


def run(n):
    total = 0
    for _ in range(n * 10):
        total += len(EMAIL.findall(TEXT))
        total += sum(int(m.group(1)) + int(m.group(3)) for m in DATE.finditer(TEXT))
        total += len(FIELD.sub(lambda m: m.group(2) + "=" + m.group(1), TEXT))
        total += len(re.split(r"\s+", TEXT))
        total += bool(re.match(r"From: (\w+)", TEXT)) + len(re.findall(r"status=(ok|failed)", TEXT))
    return total
