from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, NoticeAttempt, NoticeDelivery, StateTransition, User
from kunshan_portal.notices import notice_delivery_retry


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("phone", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "is_staff", "language")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "language")
    search_fields = ("username", "first_name", "last_name", "email")


class NoticeAttemptInline(admin.TabularInline):
    model = NoticeAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "ok", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "notice", "channel", "state", "attempts", "last_error", "created_at", "sent_at")
    list_filter = ("state", "channel")
    list_select_related = ("notice",)
    readonly_fields = (
        "notice",
        "channel",
        "address",
        "state",
        "attempts",
        "last_error",
        "sent_at",
        "created_at",
    )
    inlines = [NoticeAttemptInline]
    actions = ["retry_failed"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected failed deliveries"), permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(state=NoticeDelivery.State.FAILED):
            try:
                notice_delivery_retry(delivery=delivery, actor=request.user)
                retried += 1
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": retried}, messages.SUCCESS)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("subject", "recipient", "created_at", "read_at")
    list_select_related = ("recipient",)
    search_fields = ("subject",)
    readonly_fields = ("recipient", "subject", "body", "link", "created_at", "read_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(StateTransition)
class StateTransitionAdmin(admin.ModelAdmin):
    list_display = ("at", "content_type", "object_id", "transition", "from_state", "to_state", "actor")
    list_filter = ("content_type", "to_state")
    list_select_related = ("content_type", "actor")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
