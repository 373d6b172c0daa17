"""Force every library we load into offline, telemetry-free mode."""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    # ONNX Runtime looks up its telemetry host on session start unless told not to
    # (seen with strace: DNS queries for mobile.events.data.microsoft.com)
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def enforce_offline() -> None:
    """Set the offline variables before any hub-aware library is imported.

    Entry points call this first: the machine has no network, and a library that tries
    to reach a model hub or a telemetry endpoint would hang or fail at run time.
    """
    os.environ.update(OFFLINE_ENV)
