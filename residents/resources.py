"""Files caseworkers exchange with the registry: residents and employers as CSV or XLSX (django-import-export).

An import goes whole through a service (``residents_import``, ``employers_import``): a file with any bad
line writes nothing, and the result lists every bad line (the header is line 1, as a spreadsheet shows it)
with its errors. An export neutralises spreadsheet formulas and shows identity numbers masked, unless the
user may see them in full; then each exported resident's access log records the export.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.results import RowResult

from kunshan_portal.crypto import mask_id_number
from kunshan_portal.errors import DomainError
from kunshan_portal.exports import neutralise_formula
from residents import services


class CSV(base_formats.CSV):
    """CSV read as UTF-8 (with or without BOM) or else GB18030, the encoding Excel uses on Chinese Windows."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030", errors="replace")
        return super().create_dataset(in_stream, **kwargs)


FORMATS = (CSV, base_formats.XLSX)


def dataset_rows(dataset) -> list[dict]:
    """The rows of a tablib dataset as dicts keyed by the lower-cased header."""
    headers = [str(header or "").strip().lower() for header in dataset.headers or []]
    return [dict(zip(headers, row, strict=False)) for row in dataset]


class RegistryResource(resources.Resource):
    """What the residents' and employers' files share: the import through a service, safe export cells."""

    import_columns: tuple[str, ...] = ()
    secret_columns: tuple[str, ...] = ()  # masked when an invalid line is shown back

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def get_display_name(cls):
        return getattr(cls._meta, "name", None) or cls.__name__

    def run_import(self, rows: list[dict], actor) -> int:
        raise NotImplementedError

    def get_user_visible_fields(self):
        return [self.fields[name] for name in self.import_columns]

    def export_field(self, field, instance, **kwargs):
        return neutralise_formula(super().export_field(field, instance, **kwargs))

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):  # fmt: skip
        """Hand the whole file to the service; turn its verdict into import-export's result."""
        result = self.get_result_class()()
        result.diff_headers = list(self.import_columns)
        rows = dataset_rows(dataset)
        result.total_rows = len(rows)
        try:
            with transaction.atomic():
                created = self.run_import(rows, kwargs.get("user") or self.user)
                if dry_run:
                    transaction.set_rollback(True)
        except services.ImportRejected as exc:
            if raise_errors:
                raise
            for line, errors in exc.errors.items():
                shown = dict(rows[line - 2]) if 0 <= line - 2 < len(rows) else {}
                for column in self.secret_columns:
                    if shown.get(column):
                        shown[column] = mask_id_number(str(shown[column]))
                result.append_invalid_row(number=line, row=shown, validation_error=ValidationError(errors))
                result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        except DomainError as exc:
            if raise_errors:
                raise
            result.append_base_error(self.get_error_result_class()(exc))
        else:
            result.totals[RowResult.IMPORT_TYPE_NEW] = created
        return result


class ResidentResource(RegistryResource):
    """Residents: the import columns, plus the state and card number when exporting."""

    import_columns = services.RESIDENT_IMPORT_COLUMNS
    secret_columns = ("id_number",)

    name = fields.Field(attribute="name", column_name="name")
    id_number = fields.Field(column_name="id_number")
    phone = fields.Field(attribute="phone", column_name="phone")
    arrival_date = fields.Field(
        attribute="arrival_date", column_name="arrival_date", widget=widgets.DateWidget("%Y-%m-%d")
    )
    town = fields.Field(attribute="town__code", column_name="town")
    address = fields.Field(attribute="address", column_name="address")
    education = fields.Field(attribute="education", column_name="education")
    employer_uscc = fields.Field(attribute="employer__uscc", column_name="employer_uscc")
    state = fields.Field(attribute="state", column_name="state")
    card_number = fields.Field(attribute="card_number", column_name="card_number")

    class Meta:
        name = _("Residents")
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.full_id_numbers = bool(user and user.has_perm("residents.view_full_id_number"))
        self.exported_ids: list[int] = []

    def run_import(self, rows, actor) -> int:
        return services.residents_import(rows=rows, actor=actor)

    def dehydrate_id_number(self, resident) -> str:
        return resident.id_number if self.full_id_numbers else resident.id_number_masked

    def export_resource(self, instance, selected_fields=None, **kwargs):
        self.exported_ids.append(instance.pk)
        return super().export_resource(instance, selected_fields=selected_fields, **kwargs)

    def export(self, queryset=None, **kwargs):
        """Export; when full identity numbers went out, each resident's access log says so."""
        self.exported_ids = []
        dataset = super().export(queryset=queryset, **kwargs)
        selected = kwargs.get("export_fields")
        if self.full_id_numbers and self.exported_ids and (not selected or "id_number" in selected):
            services.personal_data_export_record(resident_ids=self.exported_ids, staff=self.user)
        return dataset


class EmployerResource(RegistryResource):
    """Employers of the registry; the accounts acting for them are not part of the file."""

    import_columns = services.EMPLOYER_IMPORT_COLUMNS

    name = fields.Field(attribute="name", column_name="name")
    uscc = fields.Field(attribute="uscc", column_name="uscc")
    sector = fields.Field(attribute="sector", column_name="sector")
    town = fields.Field(attribute="town__code", column_name="town")
    foreign_funded = fields.Field(attribute="foreign_funded", column_name="foreign_funded")
    contact_name = fields.Field(attribute="contact_name", column_name="contact_name")
    contact_phone = fields.Field(attribute="contact_phone", column_name="contact_phone")

    class Meta:
        name = _("Employers")
        chunk_size = 2000

    def run_import(self, rows, actor) -> int:
        return services.employers_import(rows=rows, actor=actor)

    def dehydrate_foreign_funded(self, employer) -> str:
        return "yes" if employer.foreign_funded else "no"
