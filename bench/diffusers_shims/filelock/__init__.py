"""filelock.FileLock as a no-op context manager (the benches are single-process)."""


class FileLock:
    def __init__(self, path, timeout=-1):
        self.lock_file = path

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    acquire = __enter__

    def release(self):
        pass
