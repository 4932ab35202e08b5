"""The objectives grid as a Django model formset: one form per objective of the version, plus
blank rows to add objectives.

A row carries the ``lock_version`` it was loaded at and, as hidden inputs, the values it was
shown with (``show_hidden_initial``): a row counts as edited when the user changed one of its
values, not when it differs from the database, so a row someone else saved in the meantime but
this user left alone is not sent (and not reported as a conflict). Existing rows edit the
figures (minimum, maximum, access time, justification); the zone, activity, modality and
mention that identify an objective are chosen on the rows to add (and on the objective's own
form), which keeps a grid of hundreds of rows free of hundreds of long selects.

A row shown in conflict (``conflict=``, the objective as the other person saved it) carries
``in_conflict``; it is saved again only when the user says so (``resolution``: keep theirs or
re-apply mine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.activities import mention_choices, modality_choices

from .models import Objective, SchemaVersion
from .objective_grid import GridRow, Outcome, RowResult
from .schema_selectors import current_activities, version_objectives, zones_for
from .services import objective_errors

#: What identifies an objective: chosen on a new row only.
KEY_FIELDS = ("activity", "modality", "mention", "zone")
#: The figures every row edits.
VALUE_FIELDS = ("minimum", "maximum", "max_access_minutes", "justification")
#: Blank rows offered to add objectives.
EXTRA_ROWS = 3
#: Rows one grid may send (a region's objectives, plus the blank ones).
MAX_ROWS = 5000


class Resolution:
    THEIRS = "theirs"
    MINE = "mine"
    CHOICES = (
        (THEIRS, _("Garder les valeurs enregistrées")),
        (MINE, _("Réappliquer les miennes")),
    )


class GridTextField(forms.CharField):
    """A text cell: line ends are compared as the browser sends them (CR LF from a textarea,
    LF from the hidden initial value), so an untouched multi-line justification is not seen
    as changed."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        def normal(value: Any) -> str:
            return ("" if value is None else str(value)).replace("\r\n", "\n").strip()

        return normal(initial) != normal(data)


@dataclass(frozen=True)
class GridChoices:
    """The choices of a new row's selects, read once for the whole grid."""

    zones: list[tuple[int, str]]
    activities: list[tuple[int, str]]
    modalities: list[tuple[str, str]]
    mentions: list[tuple[str, str]]

    @classmethod
    def for_version(cls, version: SchemaVersion) -> GridChoices:
        zones = zones_for(version).order_by("zoning__name", "code")
        return cls(
            zones=[(z.pk, f"{z.zoning.name} – {z}") for z in zones],
            activities=[(a.pk, str(a)) for a in current_activities()],
            modalities=[("", _("(sans modalité)")), *modality_choices()],
            mentions=[("", _("(sans mention)")), *mention_choices()],
        )


class ObjectiveRowForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    in_conflict = forms.BooleanField(widget=forms.HiddenInput, required=False)
    resolution = forms.ChoiceField(
        label=_("Que faire de cette ligne ?"),
        choices=Resolution.CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    modality = forms.ChoiceField(label=_("Modalité"), required=False)
    mention = forms.ChoiceField(label=_("Mention"), required=False)
    justification = GridTextField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 24}),
    )

    class Meta:
        model = Objective
        fields = [*KEY_FIELDS, *VALUE_FIELDS]

    def __init__(
        self,
        *args,
        version: SchemaVersion,
        choices: GridChoices,
        existing: bool,
        conflict: Objective | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.version = version
        self.existing = existing
        #: the objective as the other person saved it, when the row is shown in conflict
        self.conflict = conflict
        self.fields["justification"].max_length = Objective._meta.get_field(
            "justification"
        ).max_length
        if existing:
            for name in KEY_FIELDS:
                del self.fields[name]
        else:
            self.fields["zone"].choices = [("", "---------"), *choices.zones]
            self.fields["activity"].choices = [("", "---------"), *choices.activities]
            self.fields["modality"].choices = choices.modalities
            self.fields["mention"].choices = choices.mentions
        for name in ("minimum", "maximum", "max_access_minutes"):
            # Negative numbers reach clean() and get the service's message.
            self.fields[name].widget.attrs.pop("min", None)
            self.fields[name].validators = []
        for name in self.edited_fields:
            self.fields[name].show_hidden_initial = True
        if self.instance.pk and "lock_version" not in self.initial:
            self.initial["lock_version"] = self.instance.lock_version

    @property
    def edited_fields(self) -> list[str]:
        return [name for name in (*KEY_FIELDS, *VALUE_FIELDS) if name in self.fields]

    @property
    def value_cells(self) -> list[forms.BoundField]:
        """The figures of the row, in the grid's column order."""
        return [self[name] for name in VALUE_FIELDS]

    @property
    def gone(self) -> bool:
        """An existing row whose objective is no longer in the version."""
        return self.existing and self.instance.pk is None

    def edited(self) -> bool:
        """Whether the user changed a value of the row (see the module's docstring)."""
        return any(name in self.changed_data for name in self.edited_fields)

    def clean(self):
        cleaned = super().clean()
        if self.conflict is None and cleaned.get("in_conflict") and not cleaned.get("resolution"):
            self.add_error(
                "resolution",
                _("Choisissez : garder les valeurs enregistrées ou réappliquer les vôtres."),
            )
        values = dict(cleaned)
        if self.existing:  # the key of the row, for the rules that need it
            values.update({name: getattr(self.instance, name) for name in KEY_FIELDS})
        for name, messages in objective_errors(self.version, values).items():
            for message in messages:
                target = name if name in self.fields else None
                if target is None or target not in self.errors:
                    self.add_error(target, message)
        return cleaned

    def _post_clean(self):
        # The model's own full_clean would repeat the service's rules with less clear messages.
        pass

    def keeps_theirs(self) -> bool:
        return bool(self.cleaned_data.get("in_conflict")) and (
            self.cleaned_data.get("resolution") == Resolution.THEIRS
        )

    def grid_row(self) -> GridRow:
        return GridRow(
            key=self.prefix,
            objective_id=self.instance.pk if self.existing else None,
            lock_version=self.cleaned_data.get("lock_version") or 0,
            values={name: self.cleaned_data.get(name) for name in self.edited_fields},
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class BaseObjectiveGrid(forms.BaseModelFormSet):
    def __init__(self, *args, version: SchemaVersion, choices: GridChoices, **kwargs):
        self.version = version
        self.choices = choices
        kwargs.setdefault("queryset", version_objectives(version))
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            "version": self.version,
            "choices": self.choices,
            "existing": index is not None and index < self.initial_form_count(),
        }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "id" in form.fields:  # a row whose objective went is reported, not "invalid choice"
            form.fields["id"].error_messages["invalid_choice"] = _("Cet objectif n'existe plus.")

    def rebind(self, index: int, data: dict[str, str], **kwargs) -> ObjectiveRowForm:
        """Replace row ``index`` by a form bound to ``data`` (a row the user must see again
        with their input)."""
        form = self._construct_form(index, **self.get_form_kwargs(index), data=data, **kwargs)
        self.forms[index] = form
        return form


ObjectiveGrid = forms.modelformset_factory(
    Objective,
    form=ObjectiveRowForm,
    formset=BaseObjectiveGrid,
    extra=EXTRA_ROWS,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    can_delete=False,
)


def objective_grid(
    version: SchemaVersion, choices: GridChoices, data: Any = None
) -> BaseObjectiveGrid:
    return ObjectiveGrid(data, version=version, choices=choices)


# --- After a save: the grid shown again -----------------------------------------------------


@dataclass
class FailedRow:
    """A row to show again with the user's input: its form as posted, and why."""

    form: ObjectiveRowForm
    result: RowResult | None = None  # None: the form itself refused the input

    @property
    def objective_id(self) -> int | None:
        if self.result is not None:
            return self.result.row.objective_id
        return self.form.instance.pk if self.form.existing else None


def _rekeyed(form: ObjectiveRowForm, prefix: str) -> dict[str, str]:
    """The row's posted data under the prefix of its new place in the grid (new objectives
    from other people may have moved it)."""
    old, data = form.prefix, {}
    for key in form.data:
        for head in (f"{old}-", f"initial-{old}-"):
            if key.startswith(head):
                new_head = head.replace(old, prefix, 1)
                data[new_head + key[len(head) :]] = form.data.get(key)
    return data


def _conflict_data(form: ObjectiveRowForm, prefix: str, current: Objective) -> dict[str, str]:
    """The user's changes laid on the row as the other person saved it: the user's value for
    each field they changed, the saved value for the others; the saved row's lock_version;
    and, as the values the row was shown with, the saved ones. So "re-apply mine" sends the
    user's changes only, and keeps what the other person changed elsewhere in the row."""
    data = _rekeyed(form, prefix)
    data[f"{prefix}-lock_version"] = str(current.lock_version)
    data[f"{prefix}-in_conflict"] = "on"
    data.pop(f"{prefix}-resolution", None)
    changed = set(form.changed_data)
    for name in VALUE_FIELDS:
        value = getattr(current, name)
        saved = "" if value is None else str(value)
        data[f"initial-{prefix}-{name}"] = saved
        if name not in changed:
            data[f"{prefix}-{name}"] = saved
    return data


def grid_after_save(
    version: SchemaVersion, choices: GridChoices, failed: list[FailedRow]
) -> tuple[BaseObjectiveGrid, list[FailedRow]]:
    """The grid read again from the database (rows saved show their new values and lock
    versions), with the failed rows bound to the user's input and their reasons; also the
    rows that cannot be placed (their objective went)."""
    new_rows = [f for f in failed if f.objective_id is None]
    grid = objective_grid(version, choices)
    grid.extra = max(EXTRA_ROWS, len(new_rows) + 1)
    initial = grid.initial_form_count()
    place = {form.instance.pk: i for i, form in enumerate(grid.forms[:initial])}
    unplaced = []
    for number, row in enumerate(new_rows):
        index = initial + number
        form = grid.rebind(index, _rekeyed(row.form, grid.add_prefix(index)))
        _show_reasons(form, row)
    for row in failed:
        if row.objective_id is None:
            continue
        index = place.get(row.objective_id)
        if index is None:
            unplaced.append(row)
            continue
        prefix = grid.add_prefix(index)
        if row.result is not None and row.result.outcome == Outcome.CONFLICT:
            current = row.result.current
            form = grid.rebind(index, _conflict_data(row.form, prefix, current), conflict=current)
        else:
            form = grid.rebind(index, _rekeyed(row.form, prefix))
        _show_reasons(form, row)
    return grid, unplaced


def _show_reasons(form: ObjectiveRowForm, row: FailedRow) -> None:
    form.is_valid()  # the form's own messages, computed again on the user's input
    if row.result is not None and row.result.errors:
        form.add_service_errors(row.result.errors)
