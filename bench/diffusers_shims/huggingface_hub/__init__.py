"""Names diffusers imports from huggingface_hub at load time; the benches never reach the Hub."""
from . import constants, utils  # noqa: F401
from .utils import HfFolder  # noqa: F401

__version__ = "0.19.4"


def _offline(*args, **kwargs):
    raise RuntimeError("huggingface_hub shim: no network access in the benchmarks")


hf_hub_download = create_repo = model_info = snapshot_download = upload_folder = cached_download = whoami = _offline


def get_full_repo_name(model_id, organization=None, token=None):
    return model_id if organization is None else f"{organization}/{model_id}"


class ModelCardData(dict):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class ModelCard:
    def __init__(self, content=""):
        self.content = content

    @classmethod
    def load(cls, *args, **kwargs):
        return _offline()


class DDUFEntry:  # pragma: no cover - later diffusers
    pass
