"""Models every app shares: the user, the application life-cycle and the notices."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from kunshan_portal.compiled import CompiledModelQuery


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"  # the default for every user
    EN = "en", "English"


class PortalUserManager(UserManager):
    """Django's user manager, but an account read by its primary key alone goes through SQL compiled once.

    That read is the first query of every logged-in request: the model backend's ``get_user`` runs
    ``User._default_manager.get(pk=...)`` for ``request.user``. Building and compiling it took Django
    about 0.3 ms each time; the account read is the same.
    """

    def get(self, *args, **kwargs):
        plain = not args and len(kwargs) == 1 and type(kwargs.get("pk")) is int
        # The compiled read uses the default database: not for db_manager(...) or a subclass.
        if plain and self.model is User and self._db is None:
            found = _USER_BY_PK.first(kwargs["pk"])
            if found is None:
                raise User.DoesNotExist("User matching query does not exist.")
            return found
        return super().get(*args, **kwargs)


class User(AbstractUser):
    """A person who logs in: residents log in with their mobile number as username."""

    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    objects = PortalUserManager()

    def in_group(self, name: str) -> bool:
        return self.groups.filter(name=name).exists()


_USER_BY_PK = CompiledModelQuery(lambda pk: User.objects.filter(pk=pk))


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class LifecycleModel(FSMModelMixin, TimeStampedModel):
    """What every application and case has: a state moved only by transitions, and a decision.

    A concrete model overrides ``state`` with its own choices and default, and declares its
    transitions with ``django_fsm.transition``; ``kunshan_portal.lifecycle.lifecycle_transition``
    is the one way to fire them.
    """

    state = FSMField(_("state"), max_length=32, default="submitted", protected=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True

    def lifecycle_recipient(self):
        """The user told of every state change; None for no notice."""
        return None

    def lifecycle_title(self):
        """What the applicant calls this thing (lazy, so a notice is written in their language)."""
        return self._meta.verbose_name

    def get_state_display_text(self) -> str:
        return self.choice_labels("state").get(self.state, self.state)

    @classmethod
    def choice_labels(cls, name: str) -> dict:
        """A field's choices by value, named in the current language (as ``get_FOO_display`` names them)."""
        return {value: str(label) for value, label in cls._meta.get_field(name).flatchoices}


class StateTransition(models.Model):
    """One step in the life of an application or case: who moved it, when, from where to where, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=32)
    to_state = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    internal = models.BooleanField(_("internal note"), default=False)  # hidden from the applicant
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="transition_subject_idx")]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Notice(models.Model):
    """A message in a user's portal inbox, written in the user's language when it was created."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread_idx")]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.subject


class NoticeDelivery(models.Model):
    """A notice on its way out by SMS or e-mail; a failed one is kept and can be retried."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")  # waiting for a worker (first try or a retry)
        SENT = "sent", _("sent")  # the sender accepted it
        FAILED = "failed", _("failed")  # every attempt failed; retry from the admin

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="delivery_state_idx")]
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class NoticeAttempt(models.Model):
    """One try to hand a delivery to its sender."""

    delivery = models.ForeignKey(NoticeDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    ok = models.BooleanField(_("succeeded"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M}"


class Dashboard(models.Model):
    """No table: carries the permission to read the officials' dashboards."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Can view the officials' dashboards"))]

    def __str__(self) -> str:
        return "dashboard"


class DashboardRefresh(models.Model):
    """One refresh of the dashboards' summary: when it ran, how long it took, what it stored."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("data as of"), db_index=True)
    seconds = models.FloatField(_("duration (seconds)"))
    rows = models.PositiveIntegerField(_("rows stored"))
    towns = models.JSONField(_("towns"), default=list)  # [[code, Chinese name, English name], ...]
    sections = models.JSONField(_("headline sections"), default=dict)  # {"zh-hans": [...], "en": [...]}
    reason = models.CharField(_("reason"), max_length=64, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"


class DashboardFigure(models.Model):
    """One stored row of a dashboard table (its month, town and key, and its measures), replaced whole by
    every refresh: the officials' pages and API read these rows and nothing else."""

    domain = models.CharField(_("domain"), max_length=32)
    table = models.CharField(_("table"), max_length=48)
    month = models.DateField(_("month"), null=True, blank=True)  # None: today's snapshot
    town = models.CharField(_("town"), max_length=32, blank=True)  # town code; "" when not by town
    key = models.CharField(_("key"), max_length=64, blank=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    values = models.JSONField(_("values"), encoder=DjangoJSONEncoder)

    class Meta:
        indexes = [models.Index(fields=["domain", "table", "month"], name="dashboard_figure_idx")]
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")

    def __str__(self) -> str:
        return f"{self.domain}/{self.table} {self.month or ''} {self.town} {self.key}"
