"""packaging.version's parse/Version, enough for diffusers' version checks (numeric release, pre/dev tags)."""
import re


class InvalidVersion(ValueError):
    pass


class Version:
    _re = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|rc|alpha|beta|c|pre|preview)[-_.]?(\d*))?(?:[-_.]?post[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9.]+)?\s*$", re.I)

    def __init__(self, text):
        m = self._re.match(str(text))
        if not m:
            raise InvalidVersion(f"Invalid version: '{text}'")
        self.release = tuple(int(x) for x in m.group(1).split("."))
        pre = m.group(2)
        self.pre = None if pre is None else ({"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}.get(pre.lower(), pre.lower()), int(m.group(3) or 0))
        self.post = None if m.group(4) is None else int(m.group(4) or 0)
        self.dev = None if m.group(5) is None else int(m.group(5) or 0)
        self._text = str(text)

    @property
    def base_version(self):
        return ".".join(str(x) for x in self.release)

    @property
    def major(self):
        return self.release[0]

    @property
    def minor(self):
        return self.release[1] if len(self.release) > 1 else 0

    def _key(self):
        rel = self.release
        while len(rel) > 1 and rel[-1] == 0:
            rel = rel[:-1]
        order = {"a": 0, "b": 1, "rc": 2}
        pre = (3, 0) if self.pre is None else (order[self.pre[0]], self.pre[1])
        if self.pre is None and self.post is None and self.dev is not None:
            pre = (-1, 0)
        post = -1 if self.post is None else self.post
        dev = float("inf") if self.dev is None else self.dev
        return (rel, pre, post, dev)

    def __lt__(self, o): return self._key() < _v(o)._key()
    def __le__(self, o): return self._key() <= _v(o)._key()
    def __gt__(self, o): return self._key() > _v(o)._key()
    def __ge__(self, o): return self._key() >= _v(o)._key()
    def __eq__(self, o): return self._key() == _v(o)._key()
    def __ne__(self, o): return self._key() != _v(o)._key()
    def __hash__(self): return hash(self._key())
    def __str__(self): return self._text
    def __repr__(self): return f"<Version('{self._text}')>"


def _v(o):
    return o if isinstance(o, Version) else Version(o)


def parse(text):
    return Version(text)
