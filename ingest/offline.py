"""Force every library we load into offline, telemetry-free mode."""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    # without it the chat looks up api.gradio.app at launch (and huggingface.co with the
    # hub variables above gone too; strace, tests/test_offline.py)
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's product telemetry
    "DO_NOT_TRACK": "1",
    # ONNX Runtime looks up its telemetry host (mobile.events.data.microsoft.com) from a
    # background thread unless told not to; ort.disable_telemetry_events() alone did not
    # stop it (strace, tests/test_offline.py)
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
