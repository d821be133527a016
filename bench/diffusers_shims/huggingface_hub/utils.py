class EntryNotFoundError(Exception):
    pass


class RepositoryNotFoundError(Exception):
    pass


class RevisionNotFoundError(Exception):
    pass


class LocalEntryNotFoundError(Exception):
    pass


class HfHubHTTPError(Exception):
    pass


class HfFolder:
    @staticmethod
    def get_token():
        return None


def validate_hf_hub_args(fn):
    return fn


def is_jinja_available():
    return False


def insecure_hashlib():  # pragma: no cover
    import hashlib
    return hashlib
