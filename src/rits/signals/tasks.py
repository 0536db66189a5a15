"""Where the workers found the pipeline's tasks before they moved into ``pipeline.py``
(the one place that queues work): a task queued under its old path still runs."""

from rits.signals.pipeline import process_batch_task, process_signal_task

__all__ = ["process_batch_task", "process_signal_task"]
