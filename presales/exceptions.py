"""Errors that carry a machine code; one API handler and the pages map them to responses."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, fields: dict | None = None):
        self.message = message or self.default_message
        self.fields = fields
        super().__init__(str(self.message))


class ValidationFailed(ApplicationError):
    """Input that breaks a rule; ``fields`` maps a field name to its messages."""

    code = "invalid"
    status = 400
    default_message = _("Invalid input.")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to perform this action.")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class InvalidState(ApplicationError):
    code = "invalid_state"
    status = 409
    default_message = _("This action is not possible in the object's current state.")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status = 409
    default_message = _("This Idempotency-Key was already used with a different request.")


class IdempotencyKeyInUse(ApplicationError):
    """Another request with this key is still running; retrying replays its response."""

    code = "idempotency_key_in_use"
    status = 409
    default_message = _("A request with this Idempotency-Key is still being processed; please retry shortly.")
    # The first request outlived our whole lock wait, so it is a slow one: give it a moment.
    retry_after = 2


class BudgetExceeded(ApplicationError):
    code = "budget_exceeded"
    status = 409
    default_message = _("The budget's remaining amount does not cover this.")


class Busy(ApplicationError):
    """A lock could not be had in time; the client may retry."""

    code = "busy"
    status = 409
    default_message = _("Someone else is changing this right now; please try again.")


class Overloaded(ApplicationError):
    """A statement ran past the statement_timeout and was cancelled; the client may retry later."""

    code = "busy"
    status = 503
    retry_after = 5
    default_message = _("The server is busy; please try again in a few seconds.")


class SlotUnavailable(ApplicationError):
    """The engineer is not free then: another booking, time off, or outside working hours."""

    code = "slot_unavailable"
    status = 409
    default_message = _("The engineer is not available for this time.")


class AlreadyGrabbed(ApplicationError):
    """Someone else grabbed the order first."""

    code = "already_grabbed"
    status = 409
    default_message = _("Another engineer grabbed this order first.")


class NotEligible(ApplicationError):
    """Tiered support: the engineer may not serve this opportunity (see dispatch.tiered.eligibility)."""

    code = "not_eligible"
    status = 409
    default_message = _("This engineer is not eligible for this opportunity.")


class InUse(ApplicationError):
    """A delete refused because other records still point at the object (PROTECT/RESTRICT)."""

    code = "in_use"
    status = 409
    default_message = _("Other records still refer to this; change or remove them first.")


class WorkOrderStaffed(ApplicationError):
    """The work order already has as many engineers as it needs."""

    code = "work_order_staffed"
    status = 409
    default_message = _("This work order already has all the engineers it needs.")


class NobodyInScope(ApplicationError):
    """A grab order whose scope matches no free engineer would invite nobody."""

    code = "nobody_in_scope"
    status = 409
    default_message = _("Nobody in this scope matches and is free then; widen the scope.")
