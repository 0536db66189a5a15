"""Intake: signals coming in from their sources, the first stage of the pipeline.

Owns the delivery format (``parsing``), storing and processing a delivery or one signal
(``services``), what a source may read of its deliveries (``selectors``), the source's
API keys (``clients``, ``authentication``, ``schema``) and its two doors: the API
(``api``, ``serializers``) and the upload page (``views``, ``forms``).

Public surface: ``services.receive_batch``/``receive_signal``/``process_batch``/
``unfinished_batches``, ``selectors.Delivery`` and its readers, ``clients.issue_token``/
``revoke_token``/``source_actor``. The doors store through the pipeline
(``signals.pipeline.receive_batch``), which queues the rest."""
