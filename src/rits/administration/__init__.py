"""Administration for the functional administrator: the reference data (regions,
municipalities, organisations, teams, professionals and their roles) in the Django admin,
inviting a professional, deactivating, resetting a second factor and signal-source keys.

The Django admin, because it is what a well-kept library gives for reference data: lists,
search, filters, forms with per-field errors, change history. It is restricted (see
``site.py``): only professionals with the administrator role who passed the second factor
get in, and only reference-data models are registered; no family-data model is, and a
test proves it. Signal-source keys are family-data models by the fence's definition (the
signals app), so they get pages of our own inside the admin that ask
``rits.signals.intake.clients``, the one module that issues and revokes keys."""
