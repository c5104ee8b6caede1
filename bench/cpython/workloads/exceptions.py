# exceptions — raising and catching, in Python and in C: the error indicator (PyErr_Occurred,
# the seed's example) is checked after nearly every C call that can fail. Exceptions from the
# interpreter (KeyError, IndexError, AttributeError, StopIteration), from C functions (int(),
# float(), str.index) and from Python code, caught at once or a few frames up.


class Boom(Exception):
    pass


def thrower(i):
    if i % 3 == 0:
        raise Boom(i)
    return i


def nested(depth, i):
    if depth == 0:
        return thrower(i)
    return nested(depth - 1, i)


def run(n):
    d = {"a": 1}
    seq = [1, 2, 3]
    caught = 0
    for i in range(n * 200):
        try:
            d["missing"]
        except KeyError:
            caught += 1
        try:
            seq[10]
        except IndexError:
            caught += 1
        try:
            int("12x")
        except ValueError:
            caught += 1
        try:
            "abc".index("z")
        except ValueError:
            caught += 1
        caught += getattr(seq, "nope", 1)  # AttributeError raised and cleared in C
        caught += d.get("missing", 1)
        try:
            nested(4, i)
        except Boom:
            caught += 1
        it = iter(seq)
        caught += sum(1 for _ in it)  # StopIteration at the end
        try:
            float("nan-ish")
        except ValueError as e:
            caught += len(e.args)
    return caught
