"""Writes of the consultation (docs/consultation.md): a comment on a version, a volet or an
objective, a reply, resolving and reopening. Who may call them is the view's question
(``sros.permissions.can_comment`` / ``can_reply`` / ``can_resolve``); these check what holds
whoever calls: the version's state, under its row lock, so that a comment cannot land on a
version adopted meanwhile; the target belonging to the version; one organisation; the text.

Validation errors are ``ValidationError`` keyed by field, with French messages a form shows.
Resolving a resolved comment, or reopening an open one, changes nothing (a double click).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import LegalEntity

from . import text_limits
from .models import Comment, Objective, SchemaVersion, Volet
from .permissions import RESOLVABLE_STATES


def _locked_version(version: SchemaVersion | int) -> SchemaVersion:
    pk = version if isinstance(version, int) else version.pk
    return SchemaVersion.objects.select_for_update().get(pk=pk)


def _require_state(version: SchemaVersion, states, message: str) -> None:
    if version.state not in states:
        raise ValidationError({"text": message % {"state": version.get_state_display()}})


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Le commentaire est vide.")})
    if len(text) > text_limits.COMMENT:
        raise ValidationError(
            {"text": _("Le commentaire dépasse %(n)s caractères.") % {"n": text_limits.COMMENT}}
        )
    return text


def _clean_organisation(
    organisation: LegalEntity | None, name: str | None
) -> tuple[LegalEntity | None, str]:
    """Exactly one of a FINESS legal entity and a typed name (the table's check says so too)."""
    name = (name or "").strip()
    if organisation is not None and name:
        raise ValidationError(
            {"organisation_name": _(
                "Indiquez soit une entité juridique FINESS, soit le nom d'une organisation, "
                "pas les deux."
            )}
        )  # fmt: skip
    if organisation is None and not name:
        raise ValidationError(
            {"organisation_name": _("Indiquez l'organisation au nom de laquelle vous écrivez.")}
        )
    if len(name) > text_limits.ORGANISATION:
        raise ValidationError(
            {"organisation_name": _("Le nom de l'organisation dépasse %(n)s caractères.")
             % {"n": text_limits.ORGANISATION}}
        )  # fmt: skip
    return organisation, name


def _check_target(version: SchemaVersion, volet: Volet | None, objective: Objective | None) -> None:
    if volet is not None and objective is not None:
        raise ValidationError(
            _("Un commentaire porte sur un volet ou sur un objectif, pas les deux.")
        )
    target = volet or objective
    if target is not None and target.version_id != version.pk:
        raise ValidationError(_("Ce volet ou cet objectif n'appartient pas à cette version."))


def _create(author: AbstractBaseUser, **fields) -> Comment:
    comment = Comment(author=author, **fields)
    comment._history_user = author  # django-simple-history: who wrote it
    comment.save()
    return comment


@transaction.atomic
def comment_create(
    *,
    version: SchemaVersion | int,
    user: AbstractBaseUser,
    text: str,
    organisation: LegalEntity | None = None,
    organisation_name: str = "",
    volet: Volet | None = None,
    objective: Objective | None = None,
) -> Comment:
    """A remark on ``version`` (or on one of its volets or objectives), in consultation only."""
    version = _locked_version(version)
    _require_state(
        version,
        (SchemaVersion.State.CONSULTATION,),
        _("Les commentaires ne sont ouverts que pendant la consultation (version : %(state)s)."),
    )
    _check_target(version, volet, objective)
    organisation, organisation_name = _clean_organisation(organisation, organisation_name)
    return _create(
        user, version=version, volet=volet, objective=objective, text=_clean_text(text),
        organisation=organisation, organisation_name=organisation_name,
    )  # fmt: skip


@transaction.atomic
def reply(
    *,
    parent: Comment | int,
    user: AbstractBaseUser,
    text: str,
    organisation: LegalEntity | None = None,
    organisation_name: str = "",
) -> Comment:
    """A reply to a remark, on the same target. Threads are one level deep: a reply to a reply
    joins the remark's thread (a remark is resolved as a whole, with its answers)."""
    pk = parent if isinstance(parent, int) else parent.pk
    root = Comment.objects.select_related("parent").get(pk=pk)
    root = root.parent or root
    version = _locked_version(root.version_id)
    _require_state(
        version,
        RESOLVABLE_STATES,
        _("Version « %(state)s » : on ne répond plus à ses commentaires."),
    )
    organisation, organisation_name = _clean_organisation(organisation, organisation_name)
    return _create(
        user, version=version, volet_id=root.volet_id, objective_id=root.objective_id,
        parent=root, text=_clean_text(text), organisation=organisation,
        organisation_name=organisation_name,
    )  # fmt: skip


def _locked_root(comment: Comment | int) -> Comment:
    pk = comment if isinstance(comment, int) else comment.pk
    # Lock the version first, always in that order (a transition locks it too).
    version_id = Comment.objects.values_list("version_id", flat=True).get(pk=pk)
    version = _locked_version(version_id)
    _require_state(
        version,
        RESOLVABLE_STATES,
        _("Version « %(state)s » : ses commentaires ne changent plus."),
    )
    current = Comment.objects.select_for_update().get(pk=pk)
    if current.parent_id is not None:
        raise ValidationError(_("Une réponse n'est pas résolue à part : résolvez le commentaire."))
    current.version = version
    return current


@transaction.atomic
def resolve(*, comment: Comment | int, user: AbstractBaseUser) -> Comment:
    """Mark a remark resolved (taken into account, or answered); already resolved: unchanged."""
    current = _locked_root(comment)
    if current.resolved_at is None:
        current.resolved_at, current.resolved_by = timezone.now(), user
        current._history_user = user
        current.save(update_fields=["resolved_at", "resolved_by"])
    return current


@transaction.atomic
def reopen(*, comment: Comment | int, user: AbstractBaseUser) -> Comment:
    """Open a resolved remark again; already open: unchanged. The history keeps who had
    resolved it and when."""
    current = _locked_root(comment)
    if current.resolved_at is not None:
        current.resolved_at, current.resolved_by = None, None
        current._history_user = user
        current.save(update_fields=["resolved_at", "resolved_by"])
    return current
