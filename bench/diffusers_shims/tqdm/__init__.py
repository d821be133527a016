"""tqdm as a silent iterator/counter (diffusers' progress bars)."""


class tqdm:
    def __init__(self, iterable=None, *args, total=None, disable=False, **kwargs):
        self.iterable = iterable
        self.total = total
        self.n = 0

    def __iter__(self):
        for x in self.iterable or []:
            self.n += 1
            yield x

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def update(self, n=1):
        self.n += n

    def close(self):
        pass

    def set_description(self, *a, **k):
        pass

    def set_postfix(self, *a, **k):
        pass

    @staticmethod
    def write(s, *a, **k):
        pass

    def set_lock(*a, **k):
        pass

    def get_lock(*a, **k):
        return None
