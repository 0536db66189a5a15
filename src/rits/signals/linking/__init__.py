"""Linking: the right person, the right household.

The second stage of the pipeline ``intake → link → rules → alert → inbox → action``. It
takes signals in status ``received`` and decides, for each, which families it concerns:

1. **BSN.** A signal with a BSN that Rits knows (through the keyed pseudonym) is linked to
   every family that person is a member of.
2. **Name, date of birth and address.** Otherwise the signal is compared with the members
   of known families by a Fellegi–Sunter model, on surname, prefix, given names, date of
   birth and address. Comparisons tolerate typos, swapped given names, a missing prefix
   and a move. The model is a Splink settings document in versions (``LinkageModel``):
   the committed default (``linkage_model.json``, made by ``bench/train_linkage_model.py``)
   or one trained on the region (``manage.py train_linkage_model``, see ``training``), the
   active one read once per run (``model``) and never trained while linking; each link
   and review it decides records its version, and a model that cannot be used holds the
   run (nothing linked). Splink's ``predict_between`` scores with it on an in-process DuckDB database
   (:class:`Matcher`), tens of thousands of signals at a time, so that its fixed cost per
   call hardly counts.

   A signal is linked when exactly one person scores at least ``SIGNAL_LINK_THRESHOLD``
   and that person's date of birth does not clearly differ from the signal's (it agrees,
   is a typo or a day-month swap away, or one side has none), and no other person whose
   date of birth fits that way and whose given names do not differ scores at least
   ``SIGNAL_REVIEW_THRESHOLD``. With ``SIGNAL_LINK_MARGIN`` (bits, off by default), a
   candidate from the review threshold whose date of birth fits is linked too when every
   other candidate scores at least that far below it. Otherwise every candidate from the
   review threshold goes to the review queue, where the coordinator of the candidate's
   family decides. Why:
   the model counts name and address as independent evidence, but people with one
   surname at one address are mostly family, so a namesake at a known person's address
   (a son named after his father, a lodger) scores as high as that person; what tells
   them apart is the date of birth, which sources take from their own records. And a
   second person who fits as well (the same name and nearly the same date of birth in
   another family) is doubt; a child at the address with other given names is not.
3. **Household.** A signal reaches a family only through a person: it is linked to
   every family the person it is about is a member of (rules 1 and 2), and to another
   family at the same address only through review by that family's coordinator, never
   by the address alone. A signal linked to an adult (18 or older on the signal date, or
   a parent, step-parent or guardian in a family) who is not a member of a family with
   children at the signal's address (postcode, house number and suffix, exactly) or at
   the address of one of the adult's families is put up for a family-level review
   (a ``LinkReview`` without a person) for that family's coordinator: is this signal
   about your household? Confirmed, it is linked to the family with method
   ``household`` and no person. A signal linked to nobody goes to no family by its
   address, not even for review: no person matched, so nothing says whose household it
   is (and an address is where a typo or a move sends a signal to the wrong family).
   (Links with method ``household`` and no review behind them are from before this
   rule, when linking made them itself; they stay valid.)
4. **Closed files.** A family whose file is closed (``Family.closed_at``) takes no new
   signal: linking never links a signal to it, by BSN, model or household, nor puts one
   up for review in it; a review in it is confirmed only after the file is reopened.
   Its members still count when the signal is matched (a signal about them must not go
   to a namesake), so that a signal about a person whose only families are closed ends
   unlinked; for a person with open families too, the review goes to one of those.

A wrong link shows one family's signal to another family's coordinator, so the stage
prefers precision over recall: a person with a BSN is never a probabilistic match for a
signal carrying another BSN, and doubt goes to a person, not into a link.

Large runs: up to ``DECIDE_SIZE`` signals are decided together (one BSN lookup, one
scoring, a few set-based reads), then written in transactions of ``CHUNK_SIZE`` signals.
From ``SNAPSHOT_FROM`` signals every known member is read once into DuckDB, and that
snapshot is kept for the next runs of this process for at most ``SNAPSHOT_MAX_AGE``
seconds (and not after this process changed a person, family or membership, or any
process added a membership): a worker linking one delivery after another reads the
region once, not once per delivery. Whom a pair names is always read again from the
database.

Idempotent and restartable: each write transaction locks its signals (skipping those
another worker holds), checks again that ``linked_at`` is not set, and sets it with the
links; a signal whose ``linked_at`` is set is never looked at again, and links and
reviews are unique per signal and family (links, family-level reviews) or person
(reviews of a person). A crash loses at most the
transaction under way, which the next run does again.

The package: ``services`` runs it (``link_signals``), ``decision`` holds what is decided
about a signal and the run's ``LinkReport``, ``population`` reads the known members,
``normalise`` and ``model`` say how they are compared, ``matcher`` scores (DuckDB,
Splink), ``store`` writes; ``review`` is the queue of doubtful pairs a coordinator decides
(``views``, ``forms``).

Public surface: :func:`link_signals` and :class:`LinkReport`."""

from rits.signals.linking.decision import LinkReport
from rits.signals.linking.services import link_signals

__all__ = ["LinkReport", "link_signals"]
