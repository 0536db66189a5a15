"""Saving and activating versions of the linkage model (``LinkageModel``); each audited.
Linking picks the active version up at its next run (``model.refresh_active_model``)."""

from __future__ import annotations

from datetime import UTC

from django.db import transaction
from django.utils import timezone

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.signals.linking.model import (
    FORMAT_KEY,
    MODEL_FORMAT,
    VERSION_KEY,
    LinkageModelUnavailable,
    load_model,
    read_default,
    splink_settings,
)
from rits.signals.linking.training import TrainedModel
from rits.signals.models import LinkageModel, LinkageModelOrigin


class UnknownModelVersion(LookupError):
    pass


def save_trained_model(
    trained: TrainedModel, *, actor: Actor, activate: bool = False
) -> LinkageModel:
    """Store ``trained`` as a new version (inactive unless ``activate``). Its version is
    the time of training and a fingerprint of its contents, e.g.
    ``2026-12-03T14:05:00Z-1a2b3c4d``."""
    now = timezone.now().replace(microsecond=0)
    version = f"{now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}-{trained.fingerprint()}"
    # Refused here rather than when linking would meet it.
    load_model(
        trained.document,
        version=version,
        format=MODEL_FORMAT,
        term_frequencies=trained.term_frequencies,
    )
    with transaction.atomic():
        model = LinkageModel.objects.create(
            version=version,
            format=MODEL_FORMAT,
            origin=LinkageModelOrigin.TRAINED,
            document=trained.document,
            term_frequencies=trained.term_frequencies,
            training=trained.training,
            trained_by=actor.display,
            created_at=now,
        )
        catalogue.log(
            "signal.linkage_model_saved",
            actor=actor,
            object_id=model.pk,
            detail={"version": version, **_figures(trained.training)},
        )
        if activate:
            activate_model(model.version, actor=actor)
            model.refresh_from_db()
    return model


def _figures(training: dict) -> dict:
    keys = ("people", "signals", "u_pairs", "converged", "prior")
    return {k: training[k] for k in keys if k in training}


def default_model_row() -> LinkageModel:
    """The committed default as a ``LinkageModel`` row (made on first need), so that it
    can be activated again after a trained version."""
    document = read_default()
    version = str(document.get(VERSION_KEY, ""))
    model = LinkageModel.objects.filter(version=version).first()
    if model is None:
        format = str(document.get(FORMAT_KEY, ""))
        load_model(document, version=version, format=format)
        model = LinkageModel.objects.create(
            version=version,
            format=format,
            origin=LinkageModelOrigin.DEFAULT,
            document=splink_settings(document),
        )
    return model


def active_version() -> str:
    """The version linking uses now (the default's when none is active)."""
    active = LinkageModel.objects.filter(active=True).values_list("version", flat=True).first()
    return active or str(read_default().get(VERSION_KEY, ""))


def activate_model(version: str, *, actor: Actor) -> LinkageModel:
    """Make ``version`` the model linking uses from its next run. The committed default's
    version activates the default. Refuses a version that is unknown or cannot be used."""
    with transaction.atomic():
        try:
            default_version = str(read_default().get(VERSION_KEY, ""))
        except LinkageModelUnavailable:
            default_version = ""
        if version and version == default_version:
            model = default_model_row()
        else:
            model = LinkageModel.objects.filter(version=version).first()
        if model is None:
            raise UnknownModelVersion(f"no linkage model has version {version!r}")
        model = LinkageModel.objects.select_for_update().get(pk=model.pk)
        load_model(
            model.document,
            version=model.version,
            format=model.format,
            term_frequencies=model.term_frequencies,
        )
        previous = LinkageModel.objects.filter(active=True).exclude(pk=model.pk)
        was = list(previous.values_list("version", flat=True))
        previous.update(active=False)
        model.active, model.activated_at = True, timezone.now()
        model.save(update_fields=["active", "activated_at"])
        catalogue.log(
            "signal.linkage_model_activated",
            actor=actor,
            object_id=model.pk,
            detail={"version": model.version, "previous": was[0] if was else ""},
        )
    return model
