# calls — Python-level calls of every kind, after pyperformance's call_simple, call_method and
# call_method_slots: plain functions, keyword and default arguments, *args/**kwargs, closures,
# methods, bound-method objects, builtins and a small recursive function.


def plain(a, b, c):
    return a + b - c


def with_defaults(a, b=2, *, c=3):
    return a * b + c


def varargs(*args, **kwargs):
    return len(args) + len(kwargs)


def make_adder(k):
    def add(x):
        return x + k
    return add


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def moved(self, dx):
        return Point(self.x + dx, self.y)

    def norm1(self):
        return abs(self.x) + abs(self.y)


def fib(k):
    return k if k < 2 else fib(k - 1) + fib(k - 2)


def run(n):
    add3 = make_adder(3)
    total = 0
    p = Point(1, -2)
    norm = p.norm1
    for i in range(n * 1000):
        total += plain(i, 1, 2) + with_defaults(i) + with_defaults(i, 3, c=1)
        total += varargs(i, i, key=i) + add3(i) + norm() + max(i, 7) + len((i,))
        p = p.moved(1)
    for _ in range(n):
        total += fib(12)
    return total + p.x
